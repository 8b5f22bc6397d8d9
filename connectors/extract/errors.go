package extract

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrBadInput marks an extract that is missing or cannot be read as its
// source is configured: the user's file is at fault, not the machine.
// cmd/leadmart exits 5 on it.
var ErrBadInput = errors.New("bad input")

// MaxShown is how much of a value a message quotes: a 3 MB field must not
// become a 3 MB error.
const MaxShown = 200

// Shown is v as a message quotes it: whole up to MaxShown characters, else
// cut there with the full length said.
func Shown(v string) string {
	if utf8.RuneCountInString(v) <= MaxShown {
		return v
	}
	n := 0
	for i := range v {
		if n == MaxShown {
			return fmt.Sprintf("%s... (%d characters)", v[:i], utf8.RuneCountInString(v))
		}
		n++
	}
	return v
}

// Bad is an ErrBadInput whose message is only what it says: landing adds
// the "bad input: source NAME:" in front once.
func Bad(format string, a ...any) error {
	return badInput{fmt.Sprintf(format, a...)}
}

type badInput struct{ msg string }

func (e badInput) Error() string        { return e.msg }
func (e badInput) Is(target error) bool { return target == ErrBadInput }
