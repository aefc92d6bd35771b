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
	// Controls are the ui.control values (the policy's closed vocabulary).
	Controls = []string{
		"search_button", "search_alibaba", "search_aliexpress", "search_1688",
		"upload_image", "open_options", "close_popup", "rate_extension", "help_link",
		"page_button", "image_overlay", "context_search_alibaba",
		"context_search_aliexpress", "context_search_1688", "toolbar_icon",
		"settings_toggle", "save_settings", "reset_settings",
		"marketplace_select", "shortcut_search",
	}
	// Settings are the setting.<name> keys of the policy's closed vocabulary.
	Settings = []string{
		"show_page_button", "show_overlay", "context_menu", "open_in_new_tab",
		"marketplace_alibaba", "marketplace_aliexpress", "marketplace_1688",
		"auto_search", "dark_mode", "keyboard_shortcut", "remember_marketplace",
	}
	// SettingNames are the setting.<name> keys the benchmark batches use,
	// one ("telemetry") outside the vocabulary. The redaction benchmark
	// needs them spelled out: its allowed_keys has no prefix rule.
	SettingNames = []string{
		"auto_search", "show_page_button", "dark_mode", "context_menu",
		"open_in_new_tab", "marketplace_aliexpress", "marketplace_alibaba",
		"marketplace_1688", "telemetry",
	}
)
