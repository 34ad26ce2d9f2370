using System.Globalization;
using Spectre.Console;

namespace Platform.Cli.Output;

/// <summary>Where a long operation reports how far it is (percent 0–100 and what it is doing).</summary>
internal interface IProgressSink
{
    void Report(double percent, string step);
}

/// <summary>
/// Shows a long operation's progress: a live bar on a terminal, plain lines otherwise
/// (<c>progress: 40% creating volume</c>, one line per change, on standard error) so that
/// scripts and logs can read it while standard output keeps only the result.
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<T> RunAsync<T>(IAnsiConsole console, bool interactive, TextWriter lines, string title, Func<IProgressSink, Task<T>> work)
    {
        if (!interactive)
        {
            return await work(new LineSink(lines, title));
        }
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 100);
                var result = await work(new BarSink(task, title));
                task.StopTask();
                return result;
            });
    }

    /// <summary>The plain line of one progress report.</summary>
    public static string Line(string title, double percent, string step) =>
        string.Create(CultureInfo.InvariantCulture, $"progress: {title}: {percent:0}%{(step.Length > 0 ? " " + step : "")}");

    private sealed class LineSink(TextWriter lines, string title) : IProgressSink
    {
        private string? _last;

        public void Report(double percent, string step)
        {
            var line = Line(title, percent, step);
            if (line != _last)
            {
                _last = line;
                lines.WriteLine(line);
                lines.Flush();
            }
        }
    }

    private sealed class BarSink(ProgressTask task, string title) : IProgressSink
    {
        public void Report(double percent, string step)
        {
            task.Value = Math.Clamp(percent, 0, 100);
            task.Description = Markup.Escape(step.Length > 0 ? $"{title}: {step}" : title);
        }
    }
}
