package config

import (
	"net/mail"
)

// Report configures the monthly report (leadmart report, the monthly job).
type Report struct {
	// Languages the monthly job writes. Default [de, en].
	Languages []string `yaml:"languages"`
	// Email delivers the report: the PDF attached, the HTML as the body.
	// Off unless host is set.
	Email Email `yaml:"email"`
}

// Email is an SMTP delivery.
type Email struct {
	// Host of the SMTP server; empty: no delivery.
	Host string `yaml:"host"`
	// Port. Default 587 (submission, STARTTLS).
	Port int `yaml:"port"`
	// From is the sender's address.
	From string `yaml:"from"`
	// To are the recipients.
	To []string `yaml:"to"`
	// UsernameEnv and PasswordEnv name the environment variables that hold
	// the SMTP credentials; both empty: no authentication.
	UsernameEnv string `yaml:"username_env"`
	PasswordEnv string `yaml:"password_env"`
	// TLS is starttls (the default: refused without it) or none (a relay
	// on the same host or network only).
	TLS string `yaml:"tls"`
	// Language of the mail's body and attachment. Default de.
	Language string `yaml:"language"`
}

// On says whether the report is mailed.
func (e Email) On() bool { return e.Host != "" }

func (r *Report) applyDefaults() {
	if len(r.Languages) == 0 {
		r.Languages = []string{"de", "en"}
	}
	e := &r.Email
	if e.Port == 0 {
		e.Port = 587
	}
	e.TLS = or(e.TLS, "starttls")
	e.Language = or(e.Language, "de")
}

func (r *Report) validate(bad func(string, ...any)) {
	for _, l := range r.Languages {
		if l != "de" && l != "en" {
			bad("report.languages: %q; known: de, en", l)
		}
	}
	e := r.Email
	if !e.On() {
		return
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		bad("report.email.from: %q: %v", e.From, err)
	}
	if len(e.To) == 0 {
		bad("report.email.to: at least one recipient is required")
	}
	for _, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			bad("report.email.to: %q: %v", to, err)
		}
	}
	if e.TLS != "starttls" && e.TLS != "none" {
		bad("report.email.tls: %q; known: starttls, none", e.TLS)
	}
	if (e.UsernameEnv == "") != (e.PasswordEnv == "") {
		bad("report.email: username_env and password_env go together")
	}
	if e.Language != "de" && e.Language != "en" {
		bad("report.email.language: %q; known: de, en", e.Language)
	}
	if e.Port < 1 || e.Port > 65535 {
		bad("report.email.port: want 1 to 65535, got %d", e.Port)
	}
}
