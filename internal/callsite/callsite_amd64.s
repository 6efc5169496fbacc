//go:build !purego

#include "textflag.h"

// func PC() uintptr
//
// PC returns the return address of the Go function that calls it, that
// is, a PC inside that function's caller. It is frameless, so BP still holds
// the calling function's frame pointer: 0(BP) is the saved frame pointer of
// the caller's caller and 8(BP) is the return address pushed by the CALL into
// the calling function. This is the frame-pointer unwinding the runtime's
// tracer uses, limited to one frame: a few nanoseconds instead of the ~100 ns
// runtime.Callers pays to set up its unwinder.
TEXT ·PC(SB), NOSPLIT|NOFRAME, $0-8
	MOVQ 8(BP), AX
	MOVQ AX, ret+0(FP)
	RET
