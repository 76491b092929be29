package main

import "github.com/go-logr/logr"

// logDiscard keeps the peer as quiet as the TS bench (whose manager logs nothing).
func logDiscard() logr.Logger { return logr.Discard() }
