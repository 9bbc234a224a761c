package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mlc-go/mlc/generated/solarwind"
	"github.com/mlc-go/mlc/runtime/timeseries"
)

// eventScore is how the detector met one known event.
type eventScore struct {
	Label string `json:"label"`
	Start string `json:"start"`
	End   string `json:"end"`
	// Hit: some judged sample of the event is flagged.
	Hit bool `json:"hit"`
	// DelayMinutes is the time from the event's start to its first flagged sample (nil when
	// missed).
	DelayMinutes *float64 `json:"delay_minutes"`
	// CoveredFraction is the flagged share of the event's judged samples that windows cover.
	CoveredFraction float64 `json:"covered_fraction"`
	JudgedSamples   int     `json:"judged_samples"`
	FlaggedSamples  int     `json:"flagged_samples"`
}

// readEvents reads a CSV of known events: start,end[,label] per line, ISO 8601, the end
// included; '#' comments; a header line is recognised by a first field that is not a time.
func readEvents(path string) ([]event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var events []event
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: want start,end[,label]", path, line)
		}
		start, err := timeseries.ParseTime(rec[0])
		if err != nil && n == 0 {
			continue // the first record may be a header
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: start: %v", path, line, err)
		}
		end, err := timeseries.ParseTime(rec[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: end: %v", path, line, err)
		}
		if end.Before(start) {
			return nil, fmt.Errorf("%s:%d: the event ends (%s) before it starts (%s)", path, line, stamp(end), stamp(start))
		}
		label := fmt.Sprintf("event %d", len(events)+1)
		if len(rec) > 2 && strings.TrimSpace(rec[2]) != "" {
			label = strings.TrimSpace(strings.Join(rec[2:], ", ")) // a label with commas, unquoted
		}
		events = append(events, event{Name: label, Start: start, End: end})
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("%s: no events (want lines start,end[,label])", path)
	}
	return events, nil
}

// score rates the detector against the known events: for each, whether it was hit, the delay
// from its start to the first flagged sample and the share of it flagged; and the time
// flagged outside every event (false alarms).
func score(w io.Writer, sum *summary, an *timeseries.Anomalies, test *timeseries.Series[solarwind.T], events []event, cadence time.Duration) {
	scores := make([]eventScore, len(events))
	for i, e := range events {
		scores[i] = eventScore{Label: e.Name, Start: stamp(e.Start), End: stamp(e.End)}
	}
	quiet, quietFlagged := 0, 0
	for k, t := range test.Times {
		if !an.Seen[k] {
			continue // not judged, or no window covers it
		}
		inside := false
		for i, e := range events {
			if t.Before(e.Start) || t.After(e.End) {
				continue
			}
			inside = true
			s := &scores[i]
			s.JudgedSamples++
			if an.Sample[k] {
				s.FlaggedSamples++
				if !s.Hit {
					s.Hit = true
					d := t.Sub(e.Start).Minutes()
					s.DelayMinutes = &d
				}
			}
		}
		if !inside {
			quiet++
			if an.Sample[k] {
				quietFlagged++
			}
		}
	}
	fmt.Fprintf(w, "known events:\n")
	for i := range scores {
		s := &scores[i]
		s.CoveredFraction = float64(s.FlaggedSamples) / float64(max(s.JudgedSamples, 1))
		verdict := "MISSED"
		if s.Hit {
			sum.EventsHit++
			verdict = fmt.Sprintf("FOUND after %.0f min", *s.DelayMinutes)
		}
		if s.JudgedSamples == 0 {
			verdict = "not judged (outside the test range, or no window covers it)"
		}
		fmt.Fprintf(w, "  %-38s %s … %s  %s (%d of %d judged samples flagged)\n", s.Label, s.Start, s.End, verdict, s.FlaggedSamples, s.JudgedSamples)
	}
	sum.Events = scores
	sum.FalseAlarmMinutes = (time.Duration(quietFlagged) * cadence).Minutes()
	sum.FalseAlarmFraction = float64(quietFlagged) / float64(max(quiet, 1))
	fmt.Fprintf(w, "flagged outside the events: %.0f of %.0f judged minutes (%.2f %%)\n",
		sum.FalseAlarmMinutes, (time.Duration(quiet) * cadence).Minutes(), 100*sum.FalseAlarmFraction)
}
