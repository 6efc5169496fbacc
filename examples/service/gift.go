package main

import "strings"

// giftCardPrefix marks a gift card: paid from a balance the service keeps,
// not through payments. The feature has the bug that the demo's alerting
// shows: the balances are never loaded, so redeeming a card writes to a nil
// map and panics. The middleware logs the panic and answers 500 with the
// request ID, the server keeps serving, and the access log's OnPanic hook
// raises an alert (see alerting.go).
const giftCardPrefix = "gift-"

// isGiftCard reports whether card is a gift card.
func isGiftCard(card string) bool { return strings.HasPrefix(card, giftCardPrefix) }

// giftCards are the gift card balances, in cents.
type giftCards struct {
	balances map[string]int64 // the bug: never made
}

// redeem takes cents from card's balance.
func (g *giftCards) redeem(card string, cents int64) {
	g.balances[card] -= cents
}
