package alert_test

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// smtpServer is a small real SMTP server on 127.0.0.1 for the tests: it
// speaks the commands net/smtp sends, stores each accepted message, and
// answers MAIL FROM with refuse(accepted) when that is not empty, the way
// a throttled account answers ("421 4.7.0 Try again later"); a 421 closes
// the connection, as RFC 5321 says.
type smtpServer struct {
	ln     net.Listener
	refuse func(accepted int) string

	mu       sync.Mutex
	messages []string
	refused  int
	got      chan struct{}
	wg       sync.WaitGroup
}

func newSMTPServer(t testing.TB, refuse func(accepted int) string) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &smtpServer{ln: ln, refuse: refuse, got: make(chan struct{}, 1<<16)}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { _ = ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			s.session(bufio.NewReader(conn), conn)
		}()
	}
}

func (s *smtpServer) session(r *bufio.Reader, w net.Conn) {
	reply := func(line string) bool {
		_, err := w.Write([]byte(line + "\r\n"))
		return err == nil
	}
	if !reply("220 127.0.0.1 test ESMTP") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			reply("250 127.0.0.1 hello")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			s.mu.Lock()
			accepted := len(s.messages)
			s.mu.Unlock()
			answer := ""
			if s.refuse != nil { // unlocked: it may take its time, as a loaded server does
				answer = s.refuse(accepted)
			}
			if answer != "" {
				s.mu.Lock()
				s.refused++
				s.mu.Unlock()
			}
			if answer != "" {
				reply(answer)
				if strings.HasPrefix(answer, "421") {
					return
				}
				continue
			}
			reply("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			reply("250 OK")
		case cmd == "DATA":
			reply("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, ".")) // dot-unstuffing
			}
			s.mu.Lock()
			s.messages = append(s.messages, msg.String())
			s.mu.Unlock()
			select {
			case s.got <- struct{}{}:
			default:
			}
			reply("250 OK queued")
		case cmd == "RSET", cmd == "NOOP":
			reply("250 OK")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

// received returns the accepted messages and how many MAIL FROMs were refused.
func (s *smtpServer) received() ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.messages...), s.refused
}

// wait waits up to 5 s for n accepted messages.
func (s *smtpServer) wait(t testing.TB, n int) []string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if msgs, _ := s.received(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.got:
		case <-deadline:
			msgs, _ := s.received()
			require.FailNowf(t, "timeout", "%d messages, want %d", len(msgs), n)
		}
	}
}
