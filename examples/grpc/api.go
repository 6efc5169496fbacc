package main

import (
	"context"

	"google.golang.org/grpc"
)

// The inventory API, written by hand as protoc-gen-go-grpc would write it
// from this definition:
//
//	service Inventory {
//	  rpc Quote(QuoteRequest) returns (QuoteReply);
//	}
const (
	inventoryService = "inventory.v1.Inventory"
	quoteMethod      = "/" + inventoryService + "/Quote"
)

// quoteRequest asks the price of qty items of sku.
type quoteRequest struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// quoteReply is the price of a quoteRequest and whether the stock covers it.
type quoteReply struct {
	SKU            string `json:"sku"`
	Qty            int    `json:"qty"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	TotalCents     int64  `json:"total_cents"`
	InStock        bool   `json:"in_stock"`
}

// inventoryServer is what the back end implements.
type inventoryServer interface {
	Quote(context.Context, *quoteRequest) (*quoteReply, error)
}

// inventoryDesc describes the service to grpc.Server.RegisterService.
var inventoryDesc = grpc.ServiceDesc{
	ServiceName: inventoryService,
	HandlerType: (*inventoryServer)(nil),
	Methods:     []grpc.MethodDesc{{MethodName: "Quote", Handler: quoteHandler}},
}

// quoteHandler decodes a Quote call and runs it through the server's
// interceptors.
func quoteHandler(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	in := new(quoteRequest)
	if err := dec(in); err != nil {
		return nil, err
	}
	if interceptor == nil {
		return srv.(inventoryServer).Quote(ctx, in)
	}
	info := &grpc.UnaryServerInfo{Server: srv, FullMethod: quoteMethod}
	return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
		return srv.(inventoryServer).Quote(ctx, req.(*quoteRequest))
	})
}

// inventoryClient calls the inventory API over a connection.
type inventoryClient struct{ cc grpc.ClientConnInterface }

// Quote calls /inventory.v1.Inventory/Quote, encoded as JSON.
func (c inventoryClient) Quote(ctx context.Context, in *quoteRequest, opts ...grpc.CallOption) (*quoteReply, error) {
	out := new(quoteReply)
	opts = append([]grpc.CallOption{grpc.CallContentSubtype(codecName)}, opts...)
	if err := c.cc.Invoke(ctx, quoteMethod, in, out, opts...); err != nil {
		return nil, err
	}
	return out, nil
}
