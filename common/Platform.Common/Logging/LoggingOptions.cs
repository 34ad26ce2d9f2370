namespace Platform.Common.Logging;

/// <summary>How a daemon writes its log lines (section <c>Logging</c>); levels are set in the <c>Serilog</c> section.</summary>
public sealed class LoggingOptions
{
    public const string Section = "Logging";

    /// <summary><c>text</c> (the default): one readable line per event; <c>json</c>: one compact JSON object (CLEF) per line, for log shippers.</summary>
    public LogFormat Format { get; set; } = LogFormat.Text;

    /// <summary>Microsoft.Extensions.Logging's own per-category filters, applied on top of the Serilog levels (accepted because the host honours them).</summary>
    public Dictionary<string, string>? LogLevel { get; set; }
}

public enum LogFormat
{
    Text,
    Json,
}
