package reqid_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/vitals-go/vitals/reqid"
)

func ExampleValid() {
	for _, inbound := range []string{"checkout-7f3a:2", "bad\r\nSet-Cookie:x=1"} {
		if reqid.Valid(inbound) {
			fmt.Println("keep", inbound)
		} else {
			fmt.Println("replace", reqid.Describe(inbound))
		}
	}
	// Output:
	// keep checkout-7f3a:2
	// replace len=19 prefix="bad\r\nSet-Cookie:"...
}

func ExampleDescribe() {
	fmt.Println(reqid.Describe("abc\x00def\n" + strings.Repeat("x", 62)))
	fmt.Println(reqid.Describe("short id"))
	// Output:
	// len=70 prefix="abc\x00def\nxxxxxxxx"...
	// len=8 prefix="short id"
}

func ExampleWith() {
	ctx := reqid.With(context.Background(), "checkout-7f3a")
	id, ok := reqid.From(ctx)
	fmt.Println(id, ok)
	// Output: checkout-7f3a true
}

func ExampleNew() {
	id := reqid.New()
	fmt.Println(len(id), reqid.Valid(id))
	// Output: 32 true
}

func ExampleProcess() {
	reqid.SetService("billing", "1.4.0") // at the start of main
	p := reqid.Process()
	fmt.Println(p.Service, p.Version)
	// Output: billing 1.4.0
}
