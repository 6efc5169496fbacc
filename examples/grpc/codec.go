package main

import (
	"encoding/json"

	"google.golang.org/grpc/encoding"
)

// codecName is the content subtype of the inventory API: its calls travel as
// application/grpc+json. The client asks for it with
// grpc.CallContentSubtype, and the server finds the codec registered under
// that name. A service with protoc at hand would use protobuf instead; the
// interceptors do not care.
const codecName = "json"

// jsonCodec marshals the inventory messages as JSON.
type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
func (jsonCodec) Name() string                       { return codecName }

func init() { encoding.RegisterCodec(jsonCodec{}) }
