// Package minimizeprocessor applies the privacy policy to logs.
package minimizeprocessor

//go:generate go tool mdatagen metadata.yaml
