using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Platform.Tests.Integration.Grpc;

/// <summary>A logger provider that keeps every line (category, level, text) for assertions.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    public sealed record Line(string Category, LogLevel Level, string Text);

    private readonly ConcurrentQueue<Line> _lines = new();

    public IReadOnlyList<Line> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._lines.Enqueue(new Line(category, logLevel, formatter(state, exception)));
            }
        }
    }
}
