package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/vitals-go/vitals/errctx"
)

// desk is the business logic: each message opens a support ticket and its
// sender gets an acknowledgement.
type desk struct {
	dir    maildir
	logger *slog.Logger
}

// handle processes one message: it answers it and moves it to done/. Mail
// sent automatically (an out-of-office) is not answered, since answering
// it is how mail loops start. Any error leaves the message in the inbox.
func (d desk) handle(ctx context.Context, path string) (answered bool, err error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return false, errctx.Wrap(err, "opening "+name)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		return false, errctx.Wrap(err, "reading "+name, errctx.Remedy("the message is not RFC 5322 mail; look at it"))
	}
	if auto := msg.Header.Get("Auto-Submitted"); auto != "" && auto != "no" {
		d.logger.InfoContext(ctx, "automatic mail left unanswered", "auto_submitted", auto)
		return false, d.dir.archive(path)
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		return false, errctx.Wrap(err, "reading the sender of "+name, errctx.Remedy("the From header is not an address; look at it"))
	}
	subject := msg.Header.Get("Subject")
	id, _, _ := strings.Cut(strings.TrimSuffix(name, ".eml"), "-")
	t := ticket{ID: "T-" + id, Category: category(subject), To: from.Address, Subject: subject}
	if err := d.reply(t); err != nil {
		return false, err
	}
	d.logger.InfoContext(ctx, "message answered", "ticket", t.ID, "category", t.Category, "to", t.To)
	return true, d.dir.archive(path)
}

// ticket is what a message becomes.
type ticket struct {
	ID, Category, To, Subject string
}

// category files a ticket under the first word of its subject.
//
// It has the bug this example is about: a message with an empty subject
// has no first word, and the index below panics. Nobody thought of it,
// which is the point: the poller cannot list the failures it does not
// expect, so any of them stops it, through the latch, until someone looks.
func category(subject string) string {
	return strings.ToLower(strings.Trim(strings.Fields(subject)[0], ":"))
}

// reply writes the acknowledgement to the outbox.
func (d desk) reply(t ticket) error {
	text := fmt.Sprintf("From: support@shop.example\r\nTo: %s\r\nSubject: [%s] Re: %s\r\nAuto-Submitted: auto-replied\r\n\r\n"+
		"We received your message and opened ticket %s (%s). We answer within one working day.\r\n",
		t.To, t.ID, t.Subject, t.ID, t.Category)
	path := filepath.Join(d.dir.outbox(), t.ID+".eml")
	err := os.WriteFile(path, []byte(text), 0o644)
	return errctx.Wrap(err, "sending the acknowledgement of ticket "+t.ID,
		errctx.Fields("to", t.To, "outbox", d.dir.outbox()),
		errctx.Remedy("check that "+d.dir.outbox()+" is a writable directory"))
}
