package configerr

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitals-go/vitals/errctx"
)

func TestNew(t *testing.T) {
	err := New("grpcmw", "ServerConfig.MaxMethods", "is negative", "set a positive bound")
	assert.Equal(t, errctx.Permanent, errctx.ClassOf(err))
	assert.Equal(t, []string{"configure grpcmw: ServerConfig.MaxMethods is negative"}, errctx.AttemptedOf(err))
	assert.Equal(t, []string{"set a positive bound"}, errctx.RemediesOf(err))
	assert.Contains(t, errctx.FieldsOf(err), slog.String("field", "ServerConfig.MaxMethods"))
}
