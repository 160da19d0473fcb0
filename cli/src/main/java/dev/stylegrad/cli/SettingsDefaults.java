package dev.stylegrad.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The help's and the parser's defaults of a command's options, taken from the library's settings (each written once,
 * there) by option name. An option whose annotation gives a default of its own (a command-line policy) keeps it;
 * settings whose default is not a value ("default", "equal", "null") have none here.
 */
class SettingsDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> values = new LinkedHashMap<>();

    /** The maps' values by option name; an earlier map's entry wins. */
    @SafeVarargs
    SettingsDefaults(Map<String, String>... byOption) {
        for (int i = byOption.length - 1; i >= 0; i--) values.putAll(byOption[i]);
        values.values().removeIf(v -> v.equals("default") || v.equals("equal") || v.equals("content") || v.equals("null"));
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec option) || arg.defaultValue() != null) return null;
        return values.get(option.longestName());
    }
}
