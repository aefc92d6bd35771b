package policy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInventoryIsCurrent fails when docs/data-inventory.md no longer matches
// config/policy.yaml: run `make docs`.
func TestInventoryIsCurrent(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteInventory(&b, Seed(), "config/policy.yaml"))
	committed, err := os.ReadFile(filepath.Join("..", "docs", "data-inventory.md"))
	require.NoError(t, err)
	assert.Equal(t, b.String(), string(committed), "docs/data-inventory.md is stale: run `make docs`")
}

func TestInventoryListsEveryRule(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteInventory(&b, Seed(), "config/policy.yaml"))
	doc := b.String()
	for _, want := range []string{"`ui.interaction`", "`settings.state`", "`search.started`", "`ui.surface`", "`ui.control`", "`ui.action`",
		"`setting.<name>`", "`search.trigger`", "`search.marketplace`", "`url.full`", "`service.name`", "`service.version`", "`privacy.policy.version`",
		"only when `search.trigger` is", "booleans only", "§2 Data Collection: Search source page URL"} {
		assert.Contains(t, doc, want)
	}
}
