package benchmetric

import (
	"context"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// GRPCServerContext returns the context gRPC gives a unary server
// interceptor for a call of method from 127.0.0.1:40000 with the incoming
// metadata md, so that a benchmark can call interceptors directly, without
// the network: grpc.SetHeader and grpc.Method work on it.
func GRPCServerContext(md metadata.MD, method string) context.Context {
	ctx := metadata.NewIncomingContext(context.Background(), md)
	ctx = peer.NewContext(ctx, &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}})
	return grpc.NewContextWithServerTransportStream(ctx, serverStream(method))
}

// serverStream is the grpc.ServerTransportStream of GRPCServerContext: it
// names the method and accepts headers and trailers.
type serverStream string

func (s serverStream) Method() string             { return string(s) }
func (serverStream) SetHeader(metadata.MD) error  { return nil }
func (serverStream) SendHeader(metadata.MD) error { return nil }
func (serverStream) SetTrailer(metadata.MD) error { return nil }
