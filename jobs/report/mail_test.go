package report_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"leadmart/config"
	"leadmart/jobs/report"
)

// smtpServer is an in-process SMTP server that keeps what it receives.
type smtpServer struct {
	ln        net.Listener
	mu        sync.Mutex
	from      string
	rcpt      []string
	data      []byte
	authPlain string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { io.WriteString(conn, line+"\r\n") }
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		upper := strings.ToUpper(cmd)
		switch {
		case strings.HasPrefix(upper, "EHLO"), strings.HasPrefix(upper, "HELO"):
			say("250-test")
			say("250-AUTH PLAIN")
			say("250 8BITMIME")
		case strings.HasPrefix(upper, "AUTH PLAIN"):
			s.mu.Lock()
			s.authPlain = strings.TrimSpace(cmd[len("AUTH PLAIN"):])
			s.mu.Unlock()
			say("235 ok")
		case strings.HasPrefix(upper, "MAIL FROM:"):
			s.mu.Lock()
			s.from = strings.Trim(strings.Fields(cmd[10:])[0], "<>")
			s.mu.Unlock()
			say("250 ok")
		case strings.HasPrefix(upper, "RCPT TO:"):
			s.mu.Lock()
			s.rcpt = append(s.rcpt, strings.Trim(strings.Fields(cmd[8:])[0], "<>"))
			s.mu.Unlock()
			say("250 ok")
		case upper == "DATA":
			say("354 go on")
			var b bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.data = b.Bytes()
			s.mu.Unlock()
			say("250 queued")
		case upper == "QUIT":
			say("221 bye")
			return
		default: // NOOP, RSET
			say("250 ok")
		}
	}
}

// The report goes out through SMTP: to every recipient, with the month in
// the subject, the HTML as the body and the PDF attached.
func TestSendReport(t *testing.T) {
	srv := startSMTP(t)
	dir := t.TempDir()
	html, pdf := filepath.Join(dir, "r.de.html"), filepath.Join(dir, "potential-vs-acquisition.de.pdf")
	pdfBytes := []byte("%PDF-1.4 a test PDF\n%%EOF\n")
	if err := os.WriteFile(html, []byte("<html><body><h1>Potenzial vs. Akquisition</h1></body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pdf, pdfBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LEADMART_TEST_SMTP_USER", "reports")
	t.Setenv("LEADMART_TEST_SMTP_PASSWORD", "s3cret")
	port := srv.ln.Addr().(*net.TCPAddr).Port
	e := config.Email{Host: "127.0.0.1", Port: port, From: "leadmart@example.com", To: []string{"ceo@example.com", "sales@example.com"},
		UsernameEnv: "LEADMART_TEST_SMTP_USER", PasswordEnv: "LEADMART_TEST_SMTP_PASSWORD", TLS: "none", Language: "de"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := report.Send(ctx, e, month("2026-10"), html, pdf, "EUR"); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.from != "leadmart@example.com" || strings.Join(srv.rcpt, ",") != "ceo@example.com,sales@example.com" {
		t.Errorf("envelope: from %q to %v", srv.from, srv.rcpt)
	}
	if auth, _ := base64.StdEncoding.DecodeString(srv.authPlain); string(auth) != "\x00reports\x00s3cret" {
		t.Errorf("AUTH PLAIN %q", auth)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(srv.data))
	if err != nil {
		t.Fatalf("the message: %v\n%s", err, srv.data)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Potenzial vs. Akquisition, Oktober 2026" {
		t.Errorf("subject %q", subject)
	}
	var attachment []byte
	var sawHTML bool
	var walk func(r io.Reader, contentType string)
	walk = func(r io.Reader, contentType string) {
		mt, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			t.Fatalf("content type %q: %v", contentType, err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(p)
			switch p.Header.Get("Content-Transfer-Encoding") {
			case "base64":
				body, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(strings.ReplaceAll(string(body), "\r\n", ""), "\n", ""))
			case "quoted-printable":
				body, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
			}
			switch ct := p.Header.Get("Content-Type"); {
			case strings.HasPrefix(ct, "multipart/"):
				walk(bytes.NewReader(body), ct)
			case strings.HasPrefix(ct, "text/html"):
				sawHTML = bytes.Contains(body, []byte("<h1>Potenzial vs. Akquisition</h1>"))
			case p.FileName() == "potential-vs-acquisition.de.pdf":
				attachment = body
			}
		}
	}
	walk(msg.Body, msg.Header.Get("Content-Type"))
	if !sawHTML {
		t.Error("no HTML body")
	}
	if !bytes.Equal(attachment, pdfBytes) {
		t.Errorf("the PDF attachment: %q", attachment)
	}
}
