package demo

import (
	"fmt"
	"math"
	"strings"
	"time"
)

type campaign struct {
	id, channel string
}

func (g *gen) writeCampaigns() error {
	w, err := g.csv("crm/campaigns.csv", []string{"campaign_id", "name", "channel", "cost", "currency", "started_at", "ended_at"})
	if err != nil {
		return err
	}
	n := g.n(80)
	for i := range n {
		ch := channels[i%len(channels)]
		start := g.between(g.start, g.end.AddDate(0, -1, 0))
		end := start.AddDate(0, 1+g.r.IntN(3), 0)
		c := campaign{id: fmt.Sprintf("C%04d", i+1), channel: ch.name}
		g.campaigns = append(g.campaigns, c)
		cost := g.lognormal(9.5, 0.7)
		if ch.proactive {
			cost *= 1.8 // account-based work is expensive per campaign
		}
		w.row(c.id, fmt.Sprintf("%s %s", strings.ReplaceAll(ch.name, "_", " "), start.Format("2006-01")), ch.name,
			money(cost), "EUR", ts(start), ts(end))
	}
	return w.close()
}

// CRM status names as the demo CRM spells them; the demo config maps them to stages.
const (
	stNew       = "New"
	stMQL       = "Marketing Qualified"
	stSQL       = "Sales Accepted"
	stConverted = "Converted"
	stWon       = "Closed Won"
	stLost      = "Closed Lost"
	stDisq      = "Disqualified"
)

type event struct {
	at     time.Time
	status string
}

// writeLeads simulates each lead through the funnel and writes leads, their
// status history, opportunities, activities and contacts.
func (g *gen) writeLeads() error {
	lw, err := g.csv("crm/leads.csv", []string{"lead_id", "created_at", "channel", "campaign_id", "company_name", "industry",
		"employees", "account_id", "status", "owner_rep_id", "converted_at", "opportunity_id", "disqualified_reason", "updated_at"})
	if err != nil {
		return err
	}
	hw, err := g.csv("crm/lead_status_history.csv", []string{"lead_id", "entered_at", "status"})
	if err != nil {
		return err
	}
	ow, err := g.csv("crm/opportunities.csv", []string{"opportunity_id", "account_id", "lead_id", "created_at", "stage", "amount",
		"currency", "probability", "expected_close_date", "closed_at", "is_won", "is_closed", "owner_rep_id", "type", "updated_at"})
	if err != nil {
		return err
	}
	aw, err := g.ndjson("crm/activities.ndjson", []string{"activity_id", "type", "rep_id", "account_id", "lead_id",
		"occurred_at", "duration_minutes", "is_automated", "logged_at"})
	if err != nil {
		return err
	}
	act := 0
	activity := func(typ, repID, accountID, leadID string, at time.Time, minutes int, automated bool) {
		if at.After(g.end.Add(24*time.Hour - time.Minute)) {
			return
		}
		act++
		logged := at.Add(time.Duration(g.lognormal(1.5, 1.6) * float64(time.Hour))).Truncate(time.Minute)
		// an extract written at the end of its last day holds nothing logged later
		if last := g.end.Add(24*time.Hour - time.Minute); logged.After(last) {
			logged = last
		}
		var acc, lead any
		if accountID != "" {
			acc = accountID
		}
		if leadID != "" {
			lead = leadID
		}
		// Reps type activity types freely; the config maps them.
		if g.r.IntN(40) == 0 {
			typ = strings.ToUpper(typ[:1]) + typ[1:]
		}
		aw.obj(fmt.Sprintf("ACT%08d", act), typ, repID, acc, lead, ts(at), minutes, automated, ts(logged))
	}

	chWeights := make([]float64, len(channels))
	for i, c := range channels {
		chWeights[i] = c.weight
	}
	span := g.end.Add(24 * time.Hour).Sub(g.start)
	n := g.n(20000)
	opps := 0
	for i := range n {
		ch := channels[g.pick(chWeights)]
		// Lead volume grows over time: sqrt of a uniform skews toward the end.
		created := g.start.Add(time.Duration(math.Sqrt(g.r.Float64()) * float64(span))).Truncate(time.Minute)
		leadID := fmt.Sprintf("L%07d", i+1)
		owner := g.reps[g.r.IntN(len(g.reps))]

		var acc *account
		linked := 0.7
		if ch.proactive {
			linked = 0.97
		}
		if g.r.Float64() < linked {
			acc = g.accounts[g.r.IntN(len(g.accounts))]
			if ch.proactive { // prospecting targets the bigger companies
				for range 3 {
					if b := g.accounts[g.r.IntN(len(g.accounts))]; b.potential > acc.potential {
						acc = b
					}
				}
			}
		}
		company, industry, employees, accountID := "", "", "", ""
		potential := 0.0
		if acc != nil {
			company, industry, employees, accountID = acc.name, acc.industry, fmt.Sprint(acc.employees), acc.id
			potential = acc.potential
		} else {
			ind := industries[g.r.IntN(len(industries))]
			emp := int(math.Max(5, g.lognormal(3.8, 1.2)*ch.pot))
			company = namePrefix[g.r.IntN(len(namePrefix))] + " " + nameCore[g.r.IntN(len(nameCore))] + " GmbH"
			industry, employees = ind.name, fmt.Sprint(emp)
			potential = float64(emp) * ind.spend
		}
		campaignID := ""
		if g.r.Float64() < 0.6 {
			for _, c := range g.campaigns {
				if c.channel == ch.name && g.r.IntN(4) == 0 {
					campaignID = c.id
					break
				}
			}
		}

		// Funnel. Higher potential converts a little better once qualified.
		events := []event{{created, stNew}}
		t := created
		gap := func(mu float64) time.Time {
			return t.Add(time.Duration(g.lognormal(mu, 0.8) * float64(24*time.Hour))).Truncate(time.Minute)
		}
		disq := ""
		var oppAt, closedAt time.Time
		won, closed := false, false
		reached := func(p float64) bool { return g.r.Float64() < math.Min(0.95, p) }
		advance := func(p, mu float64, status string) bool {
			if !reached(p) {
				if g.r.Float64() < 0.5 {
					if d := gap(mu + 0.5); !d.After(g.end) {
						events = append(events, event{d, stDisq})
						disq = []string{"no budget", "no need", "competitor", "unreachable"}[g.r.IntN(4)]
					}
				}
				return false
			}
			next := gap(mu)
			if next.After(g.end) {
				return false
			}
			t = next
			events = append(events, event{t, status})
			return true
		}
		potBoost := math.Min(1.3, math.Max(0.8, math.Log10(potential+10)/5))
		if advance(0.55*ch.conv, 1.0, stMQL) && advance(0.6*potBoost, 1.5, stSQL) && advance(0.6, 2.0, stConverted) {
			oppAt = t
			closedAt = gap(3.3)
			if !closedAt.After(g.end) {
				closed = true
				won = g.r.Float64() < math.Min(0.9, 0.3*ch.conv*potBoost)
				st := stLost
				if won {
					st = stWon
				}
				events = append(events, event{closedAt, st})
			}
		}
		// Some CRMs skip MQL for hand-raisers: the history jumps from New to Sales Accepted.
		if ch.name == "inbound_call" && len(events) > 2 && events[1].status == stMQL && g.r.IntN(3) == 0 {
			events = append(events[:1], events[2:]...)
		}
		for j, e := range events {
			status := e.status
			if j%5 == 4 {
				status = strings.ToLower(status) + " " // exports are not tidy
			}
			hw.row(leadID, ts(e.at), status)
		}
		last := events[len(events)-1]

		oppID, convertedAt := "", ""
		if !oppAt.IsZero() {
			opps++
			oppID = fmt.Sprintf("O%07d", opps)
			convertedAt = ts(oppAt)
			oppAccount := accountID
			cur := "EUR"
			if acc != nil {
				cur = acc.currency
			}
			amount := math.Round(potential * 0.25 * g.lognormal(0, 0.6))
			stage, prob := []string{"Qualification", "Proposal", "Negotiation"}[g.r.IntN(3)], 0.0
			switch stage {
			case "Qualification":
				prob = 0.2
			case "Proposal":
				prob = 0.5
			default:
				prob = 0.75
			}
			if closed {
				stage, prob = "Closed Lost", 0
				if won {
					stage, prob = "Closed Won", 1
				}
			}
			if acc == nil && won {
				// A won lead without account gets one in the CRM. The demo keeps it
				// unlinked on the opportunity: an everyday data-quality gap.
				oppAccount = ""
			}
			ow.row(oppID, oppAccount, leadID, ts(oppAt), stage, money(amount), cur, fmt.Sprintf("%.2f", prob),
				date(oppAt.AddDate(0, 2, 0)), ts(closedAt), fmt.Sprint(won && closed), fmt.Sprint(closed), owner.id, "new_business", ts(last.at))
			if won && acc != nil && acc.firstOrder.IsZero() {
				acc.firstOrder = closedAt.AddDate(0, 0, 10+g.r.IntN(30))
				if acc.firstOrder.After(g.end) {
					acc.firstOrder = time.Time{}
				}
			}
		}

		// First response: an automated confirmation for web leads, then a human touch.
		if ch.name == "web_form" || ch.name == "content_download" {
			activity("email", owner.id, accountID, leadID, created.Add(time.Minute), 0, true)
		}
		respMu := 2.5
		if ch.proactive {
			respMu = 0.5 // the rep created the lead while talking to the customer
		}
		activity([]string{"call", "email", "call"}[g.r.IntN(3)], owner.id, accountID, leadID,
			created.Add(time.Duration(g.lognormal(respMu, 1.2)*float64(time.Hour))).Truncate(time.Minute), 5+g.r.IntN(20), false)
		for _, e := range events[1:] {
			typ := []string{"call", "meeting", "visit", "demo", "email"}[g.r.IntN(5)]
			activity(typ, owner.id, accountID, leadID, e.at.Add(-time.Duration(g.r.IntN(48))*time.Hour), 15+g.r.IntN(90), false)
			activity("admin", owner.id, "", leadID, e.at.Add(time.Hour), 10+g.r.IntN(40), false)
		}

		status := last.status
		if i%41 == 0 {
			status = " " + strings.ToUpper(status)
		}
		emp := employees
		if g.r.Float64() < 0.05 {
			emp = ""
		}
		row := []string{leadID, ts(created), ch.name, campaignID, company, industry, emp, accountID, status, owner.id,
			convertedAt, oppID, disq, ts(last.at)}
		if len(events) > 2 && i%97 == 0 {
			// An older version of the same lead exported again: staging keeps the latest.
			prev := events[len(events)-2]
			old := append([]string(nil), row...)
			old[8], old[13], old[10], old[11] = prev.status, ts(prev.at), "", ""
			lw.row(old...)
		}
		if i%173 == 0 {
			row[2] = strings.ToUpper(row[2]) + " "
		}
		lw.row(row...)
		if i%211 == 0 {
			lw.row(row...) // exact duplicate
		}
		if i == n/3 || i == n/2 || i == 2*n/3 {
			lw.raw(fmt.Sprintf("L9%06d,%s,web_form,,broken export line", i, ts(created))) // malformed: too few columns
		}
	}

	// Account care: existing customers are visited; reps do admin work weekly.
	for _, a := range g.accounts {
		if a.firstOrder.IsZero() {
			continue
		}
		for range g.r.IntN(6) {
			typ := []string{"visit", "call", "meeting", "email"}[g.r.IntN(4)]
			activity(typ, a.ownerRep, a.id, "", g.between(g.start, g.end), 15+g.r.IntN(120), false)
		}
	}
	for _, r := range g.reps {
		for d := g.start; !d.After(g.end); d = d.AddDate(0, 0, 7) {
			activity("admin", r.id, "", "", d.Add(time.Duration(8+g.r.IntN(8))*time.Hour), 60+g.r.IntN(180), false)
			activity("travel", r.id, "", "", d.Add(time.Duration(32+g.r.IntN(8))*time.Hour), 30+g.r.IntN(240), false)
		}
	}
	if err := g.writeContacts(); err != nil {
		return err
	}
	for _, c := range []interface{ close() error }{lw, hw, ow, aw} {
		if err := c.close(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) writeContacts() error {
	w, err := g.csv("crm/contacts.csv", []string{"contact_id", "account_id", "first_name", "last_name", "email", "phone", "marketing_consent", "consent_at", "updated_at"})
	if err != nil {
		return err
	}
	c := 0
	for _, a := range g.accounts {
		for range 1 + g.r.IntN(2) {
			c++
			fn, ln := firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]
			email := strings.ToLower(fn+"."+ln) + "@" + strings.ToLower(strings.Fields(foldUmlauts(a.name))[0]) + ".example"
			if c%9 == 0 {
				email = strings.ToUpper(email[:1]) + email[1:] // mixed-case e-mails
			}
			phone := ""
			if g.r.IntN(3) > 0 {
				phone = fmt.Sprintf("+49 %d %07d", 30+g.r.IntN(900), g.r.IntN(10_000_000))
			}
			consent, consentAt := "false", ""
			if g.r.IntN(2) == 0 {
				consent, consentAt = "true", ts(g.between(a.created, g.end))
			}
			w.row(fmt.Sprintf("P%07d", c), a.id, fn, ln, email, phone, consent, consentAt, ts(g.between(a.created, g.end)))
		}
	}
	return w.close()
}
