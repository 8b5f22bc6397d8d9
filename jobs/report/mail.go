package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wneessen/go-mail"

	"leadmart/config"
)

// Send mails the report of month: the PDF attached, the HTML as the body,
// through the configured SMTP server (STARTTLS unless tls: none), with
// the credentials from the named environment variables.
func Send(ctx context.Context, e config.Email, month time.Time, html, pdf, currency string) error {
	c, err := loadCatalog(e.Language, currency)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(html)
	if err != nil {
		return err
	}
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return fmt.Errorf("report.email.from: %w", err)
	}
	if err := m.To(e.To...); err != nil {
		return fmt.Errorf("report.email.to: %w", err)
	}
	m.Subject(c.T("mail_subject", "month", c.Month(month)))
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(mail.TypeTextPlain, c.T("mail_body_intro"))
	m.AddAlternativeString(mail.TypeTextHTML, string(body))
	m.AttachFile(pdf, mail.WithFileName(filepath.Base(pdf)))
	opts := []mail.Option{mail.WithPort(e.Port), mail.WithTimeout(time.Minute)}
	if e.TLS == "none" {
		opts = append(opts, mail.WithTLSPortPolicy(mail.NoTLS), mail.WithPort(e.Port))
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if e.UsernameEnv != "" {
		user, pass := os.Getenv(e.UsernameEnv), os.Getenv(e.PasswordEnv)
		if user == "" || pass == "" {
			return fmt.Errorf("report.email: the environment variables %s and %s must hold the SMTP credentials", e.UsernameEnv, e.PasswordEnv)
		}
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(user), mail.WithPassword(pass))
	}
	client, err := mail.NewClient(e.Host, opts...)
	if err != nil {
		return fmt.Errorf("report.email: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("send the report to %v via %s:%d: %w", e.To, e.Host, e.Port, err)
	}
	return nil
}
