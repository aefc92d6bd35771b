// Package deploy checks the Kubernetes manifests in deploy/k8s against the Kubernetes API
// types: every document decodes strictly (a misspelled or misplaced field fails), so what
// `kubectl apply -k deploy/k8s` would send is what the files say.
//
// It is a module of its own so that k8s.io/api stays out of the collector's module graph.
package deploy
