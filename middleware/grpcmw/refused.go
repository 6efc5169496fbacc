package grpcmw

import (
	"math"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/status"
)

// sendRefusal says why gRPC refused to send a unary call's request req
// ("" when it did not): a message it could not marshal (Internal, "grpc:
// error while marshaling", such as a proto3 string that is not UTF-8), or
// one over the call's MaxCallSendMsgSize (ResourceExhausted, "trying to
// send message larger than max"). A server whose reply fails the same
// way answers with the same code and text, so the request is marshalled
// again here, with the call's codec, on that error path only, to tell the
// caller's mistake from the server's failure.
func sendRefusal(err error, req any, opts []grpc.CallOption) string {
	if err == nil {
		return ""
	}
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	marshalling := st.Code() == codes.Internal && strings.HasPrefix(st.Message(), "grpc: error while marshaling")
	tooLarge := st.Code() == codes.ResourceExhausted && strings.Contains(st.Message(), "trying to send message larger than max")
	if !marshalling && !tooLarge {
		return ""
	}
	marshal, maxSend := callCodec(opts)
	if marshal == nil {
		return ""
	}
	size, merr := marshal(req)
	switch {
	case merr != nil:
		return "its request message could not be marshalled: " + merr.Error()
	case tooLarge && size > maxSend:
		return "its request message is " + strconv.Itoa(size) + " bytes, over the call's MaxCallSendMsgSize of " + strconv.Itoa(maxSend)
	}
	return ""
}

// callCodec returns how the call's options (the ClientConn's defaults
// among them) marshal a message, reporting its size, and the largest
// message the call may send: gRPC's proto codec and math.MaxInt32 unless
// they say otherwise. marshal is nil for a content subtype with no codec.
func callCodec(opts []grpc.CallOption) (marshal func(any) (int, error), maxSend int) {
	var v2 encoding.CodecV2 = encoding.GetCodecV2(proto.Name)
	var v1 encoding.Codec
	maxSend = math.MaxInt32
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.ContentSubtypeCallOption:
			v2, v1 = encoding.GetCodecV2(strings.ToLower(o.ContentSubtype)), nil
		case grpc.ForceCodecV2CallOption:
			v2, v1 = o.CodecV2, nil
		case grpc.ForceCodecCallOption:
			v2, v1 = nil, o.Codec
		case grpc.MaxSendMsgSizeCallOption:
			maxSend = o.MaxSendMsgSize
		}
	}
	switch {
	case v1 != nil:
		return func(m any) (int, error) { b, err := v1.Marshal(m); return len(b), err }, maxSend
	case v2 != nil:
		return func(m any) (int, error) {
			b, err := v2.Marshal(m)
			defer b.Free()
			return b.Len(), err
		}, maxSend
	}
	return nil, maxSend
}
