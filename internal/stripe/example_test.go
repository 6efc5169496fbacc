package stripe_test

import (
	"fmt"
	"sync"

	"github.com/vitals-go/vitals/internal/stripe"
)

func ExampleCounter() {
	var requests stripe.Counter
	requests.Init() // hot from the start
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				requests.Add(1)
			}
		}()
	}
	wg.Wait()
	fmt.Println(requests.Load())
	// Output: 8000
}
