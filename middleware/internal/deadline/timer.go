package deadline

import (
	"sync"
	"sync/atomic"
	"time"
)

// callTimer is a timer lent to one Call at a time. time.AfterFunc costs two
// allocations per call (the timer and the callback bound to the Call);
// lending pooled timers, re-armed with Reset, costs none once the pool is
// warm.
type callTimer struct {
	t    *time.Timer
	call atomic.Pointer[Call] // the borrower; nil between loans
}

// timers holds the timers not lent. Its New is set by init: a timer's
// callback ends a Call, which gives the timer back to the pool.
var timers sync.Pool

func init() {
	timers.New = func() any {
		ct := new(callTimer)
		ct.t = time.AfterFunc(time.Hour, ct.fire)
		ct.t.Stop()
		return ct
	}
}

// lendTimer returns a timer that ends c after d.
func lendTimer(c *Call, d time.Duration) *callTimer {
	ct := timers.Get().(*callTimer)
	ct.call.Store(c)
	ct.t.Reset(d)
	return ct
}

func (ct *callTimer) fire() {
	if c := ct.call.Swap(nil); c != nil {
		c.expire()
	}
}

// giveBack stops the timer. It goes back to the pool only if it had not
// fired: a timer that fired may still be about to read its borrower, and
// must not find the next one there.
func (ct *callTimer) giveBack() {
	if ct.t.Stop() {
		ct.call.Store(nil)
		timers.Put(ct)
	}
}
