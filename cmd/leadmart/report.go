package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"leadmart/config"

	"leadmart/jobs/report"
)

// cmdReport writes the monthly potential-vs-acquisition report, and mails
// it when report.email is configured and --send is given.
func cmdReport(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stdout) // --help is asked for: it goes to stdout, exit 0
	cfgPath := fs.String("config", "", "config file (default: the built-in demo configuration)")
	month := fs.String("month", "last", `the month, YYYY-MM, or "last": the last complete month of the publication`)
	lang := fs.String("lang", "", "de or en (default: report.languages, de and en)")
	format := fs.String("format", "", "html or pdf (default: html, and pdf when Chromium is installed)")
	partial := fs.Bool("partial", false, "allow a month that had not ended by the publication's as-of date; the report says so on its first page")
	send := fs.Bool("send", false, "mail the report as report.email says (PDF attached, HTML as the body)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: report takes no arguments, got %q", errUsage, fs.Args())
	}
	cfg, err := configOrDemo(*cfgPath)
	if err != nil {
		return err
	}
	dir := cfg.WarehouseDir()
	var m time.Time
	if *month == "last" {
		if m, err = report.LastComplete(ctx, dir); err != nil {
			return err
		}
	} else if m, err = time.Parse("2006-01", *month); err != nil {
		return fmt.Errorf("%w: --month %q: want YYYY-MM or last", errUsage, *month)
	}
	langs := cfg.Report.Languages
	if *lang != "" {
		if *lang != "de" && *lang != "en" {
			return fmt.Errorf("%w: --lang %q: want de or en", errUsage, *lang)
		}
		langs = []string{*lang}
	}
	var formats []string
	switch *format {
	case "html", "pdf":
		formats = []string{*format}
	case "":
	default:
		return fmt.Errorf("%w: --format %q: want html or pdf", errUsage, *format)
	}
	if *send && !cfg.Report.Email.On() {
		return fmt.Errorf("%w: --send needs report.email in the config", errUsage)
	}
	files, err := writeReport(ctx, cfg, m, *partial, langs, formats, *send, stdout)
	for _, f := range files {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	if errors.Is(err, report.ErrNoData) || errors.Is(err, report.ErrPartial) {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return err
}

// writeReport writes the report of month in langs and formats (none: HTML,
// and PDF when Chromium is installed, saying so when it is not), and with
// send mails it as report.email says. The monthly job calls it too.
func writeReport(ctx context.Context, cfg *config.Config, month time.Time, partial bool, langs, formats []string, send bool, stdout io.Writer) ([]string, error) {
	opt := report.Options{Dir: cfg.WarehouseDir(), Month: month, Partial: partial, Currency: cfg.Warehouse.ReportingCurrency,
		Langs: langs, Formats: formats}
	if len(opt.Formats) == 0 {
		opt.Formats = []string{"html"}
		if chrome, err := report.FindChromium(); err == nil {
			opt.Formats, opt.Chromium = append(opt.Formats, "pdf"), chrome
		} else {
			fmt.Fprintf(stdout, "no PDF: %v\n", err)
		}
	}
	if send && !slices.Contains(opt.Formats, "pdf") {
		return nil, fmt.Errorf("%w: mailing the report needs its PDF, and so Chromium", report.ErrNoChromium)
	}
	files, err := report.Generate(ctx, opt)
	if err != nil || !send {
		return files, err
	}
	e := cfg.Report.Email
	if !slices.Contains(langs, e.Language) {
		return files, fmt.Errorf("report.email.language %s is not among the languages written (%s)", e.Language, strings.Join(langs, ", "))
	}
	pdf := report.Path(opt.Dir, month, e.Language, "pdf")
	if err := report.Send(ctx, e, month, report.Path(opt.Dir, month, e.Language, "html"), pdf, cfg.Warehouse.ReportingCurrency); err != nil {
		return files, err
	}
	fmt.Fprintf(stdout, "sent %s to %s\n", pdf, strings.Join(e.To, ", "))
	return files, nil
}
