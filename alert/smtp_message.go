package alert

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// message renders ev as a complete RFC 5322 message: the subject and the
// body of render.go, MIME-encoded.
func (s *SMTP) message(ev Event, now time.Time) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.cfg.From)
	header("To", strings.Join(s.cfg.To, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", subject(ev)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+randomID()+"@"+s.host+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(body(ev)))
	_ = qp.Close()
	return b.Bytes()
}

// randomID is 16 random bytes in hex, for Message-ID.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
