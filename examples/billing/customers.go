package main

import (
	"fmt"
	"slices"
	"strings"
)

// customer is one account billed every month.
type customer struct {
	ID       string
	Name     string
	Email    string
	Plan     string
	Cents    int64  // the monthly fee
	Currency string // ISO 4217, lower case, as the payments API wants it
	Card     string // the payments API's token for the card on file

	// NoIdempotencyKey marks an account still billed under the old
	// gateway contract, whose charges cannot carry an idempotency key: a
	// charge that times out must then never be repeated blindly.
	NoIdempotencyKey bool
}

// fee renders the monthly fee, e.g. "USD 49.00".
func (c customer) fee() string {
	return fmt.Sprintf("%s %d.%02d", strings.ToUpper(c.Currency), c.Cents/100, c.Cents%100)
}

// reference names the charge of c for a billing period. It is what a human
// searches for in the payments dashboard and, when the account allows it,
// the idempotency key: one key per logical charge.
func (c customer) reference(period string) string {
	return "fee-" + period + "-" + c.ID
}

// customers is the account list the job bills. A real job reads it from
// the accounts database; the cards are the fake payments API's test tokens
// (see payments.go), chosen so that one run meets every kind of outcome.
var customers = []customer{
	{ID: "cus_1001", Name: "Ada Lovelace", Email: "ada@example.com", Plan: "pro", Cents: 4900, Currency: "usd", Card: cardOK},
	{ID: "cus_1002", Name: "Grace Hopper", Email: "grace@example.com", Plan: "basic", Cents: 1900, Currency: "usd", Card: cardDeclined},
	{ID: "cus_1003", Name: "Alan Turing", Email: "alan@example.com", Plan: "pro", Cents: 4900, Currency: "usd", Card: cardBusy},
	{ID: "cus_1004", Name: "Edsger Dijkstra", Email: "edsger@example.com", Plan: "team", Cents: 9900, Currency: "usd", Card: cardSlow},
	{ID: "cus_1005", Name: "Barbara Liskov", Email: "barbara@example.com", Plan: "basic", Cents: 1900, Currency: "usd", Card: cardOK},
	{ID: "cus_1006", Name: "Ken Thompson", Email: "ken@example.com", Plan: "pro", Cents: 4900, Currency: "usd", Card: cardOK},
	{ID: "cus_1007", Name: "Frances Allen", Email: "frances@example.com", Plan: "team", Cents: 9900, Currency: "usd", Card: cardIssuerDown},
	{ID: "cus_1008", Name: "John Backus", Email: "john@example.com", Plan: "team", Cents: 9900, Currency: "usd", Card: cardSlow, NoIdempotencyKey: true},
	{ID: "cus_1009", Name: "Margaret Hamilton", Email: "margaret@example.com", Plan: "pro", Cents: 4900, Currency: "eur", Card: cardOK},
	{ID: "cus_1010", Name: "Donald Knuth", Email: "don@example.com", Plan: "basic", Cents: 1900, Currency: "usd", Card: cardExpired},
}

// selectCustomers returns the customers named by only (comma-separated
// IDs), or all of them when only is empty. An unknown ID is refused: a
// re-run for one customer must not silently bill nobody.
func selectCustomers(only string) ([]customer, error) {
	if only == "" {
		return customers, nil
	}
	var picked []customer
	for _, id := range strings.Split(only, ",") {
		id = strings.TrimSpace(id)
		i := slices.IndexFunc(customers, func(c customer) bool { return c.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("-only: no customer %q", id)
		}
		picked = append(picked, customers[i])
	}
	return picked, nil
}
