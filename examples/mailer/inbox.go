package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vitals-go/vitals/errctx"
)

// maildir is the poller's directory: messages wait in inbox/, move to done/
// once handled, and replies are written to outbox/ (which stands for the
// SMTP server).
type maildir struct{ root string }

func (d maildir) inbox() string  { return filepath.Join(d.root, "inbox") }
func (d maildir) done() string   { return filepath.Join(d.root, "done") }
func (d maildir) outbox() string { return filepath.Join(d.root, "outbox") }

// waiting returns the paths of the messages in the inbox, oldest name first.
func (d maildir) waiting() ([]string, error) {
	entries, err := os.ReadDir(d.inbox())
	if err != nil {
		return nil, errctx.Wrap(err, "listing the inbox",
			errctx.Fields("dir", d.inbox()),
			errctx.Remedy("check that "+d.inbox()+" exists and is readable"))
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".eml") {
			paths = append(paths, filepath.Join(d.inbox(), e.Name()))
		}
	}
	slices.Sort(paths)
	return paths, nil
}

// archive moves a handled message from the inbox to done/.
func (d maildir) archive(path string) error {
	err := os.Rename(path, filepath.Join(d.done(), filepath.Base(path)))
	return errctx.Wrap(err, "moving "+filepath.Base(path)+" to done/",
		errctx.Remedy("check that "+d.done()+" exists and is writable"))
}

// prepare creates the directories, and seeds the inbox with sample mail
// when there is no inbox yet. It reports whether it seeded.
func (d maildir) prepare() (seeded bool, err error) {
	_, err = os.Stat(d.inbox())
	fresh := errors.Is(err, fs.ErrNotExist)
	for _, dir := range []string{d.inbox(), d.done(), d.outbox()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, errctx.Wrap(err, "creating the mail directories",
				errctx.Fields("dir", dir),
				errctx.Remedy("give -dir a writable directory on storage that survives restarts"))
		}
	}
	if !fresh {
		return false, nil
	}
	for name, text := range samples {
		if err := os.WriteFile(filepath.Join(d.inbox(), name), []byte(text), 0o644); err != nil {
			return false, errctx.Wrap(err, "seeding the inbox", errctx.Fields("message", name))
		}
	}
	return true, nil
}

// samples is the mail a fresh inbox starts with. The third has an empty
// subject, which the poller's ticket code does not expect (see ticket.go).
var samples = map[string]string{
	"0001-where-is-my-order.eml": "From: Ann Example <ann@example.com>\r\n" +
		"To: support@shop.example\r\nSubject: Where is my order?\r\n\r\n" +
		"I ordered a kettle two weeks ago and it has not arrived.\r\n",
	"0002-out-of-office.eml": "From: Bob Example <bob@example.net>\r\n" +
		"To: support@shop.example\r\nSubject: Out of office: Re: your ticket\r\n" +
		"Auto-Submitted: auto-replied\r\n\r\nI am away until Monday.\r\n",
	"0003-no-subject.eml": "From: Carol Example <carol@example.org>\r\n" +
		"To: support@shop.example\r\nSubject: \r\n\r\n" +
		"(sent from my phone) the lid is broken\r\n",
	"0004-refund-please.eml": "From: Dan Example <dan@example.com>\r\n" +
		"To: support@shop.example\r\nSubject: Refund for order 1234\r\n\r\n" +
		"Please refund the broken lid.\r\n",
}
