package testworkload

// The extension's vocabulary that the generators draw values from: the enum
// values of the seed policy (config/policy.yaml) and setting names. The order
// is part of each generator's output (values are picked by index).
var (
	// Surfaces are the ui.surface values.
	Surfaces = []string{"popup", "context_menu", "page_button", "toolbar", "options_page"}
	// Actions are the ui.action values.
	Actions = []string{"click", "toggle", "open", "close", "submit", "select"}
	// Triggers are the search.trigger values of a user action (the only
	// ones under which url.full survives).
	Triggers = []string{"toolbar_button", "context_menu", "page_button", "popup_button", "keyboard_shortcut"}
	// Marketplaces are the search.marketplace values.
	Marketplaces = []string{"alibaba", "aliexpress", "1688"}
	// SettingNames are the setting.<name> keys the batches use. The
	// redaction benchmark needs them spelled out: its allowed_keys has no
	// prefix rule, unlike the policy's `setting.` prefix.
	SettingNames = []string{
		"auto_search", "show_page_button", "dark_mode", "context_menu",
		"open_in_new_tab", "marketplace_aliexpress", "marketplace_alibaba",
		"marketplace_1688", "telemetry",
	}
)
