using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Platform.Tests.Integration.Soak;

/// <summary>One sample of one daemon: when, in which phase, after how many operations, and its figures.</summary>
internal sealed record SoakSample(TimeSpan At, string Phase, string Process, long Operations, ProcessFigures Figures, string? Note);

/// <summary>
/// Samples the daemons of a soak (by PID) at a fixed interval in the background, labelled with the
/// phase the soak is in, and prints them as one table. <see cref="Note"/> adds a daemon's own
/// figure (the agent's journal) to its rows.
/// </summary>
internal sealed class SoakSampler : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, int> _pids;
    private readonly Func<long> _operations;
    private readonly TimeSpan _interval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<SoakSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public SoakSampler(IReadOnlyDictionary<string, int> pids, Func<long> operations, TimeSpan interval)
    {
        _pids = pids;
        _operations = operations;
        _interval = interval;
    }

    public string Phase { get; set; } = "start";

    /// <summary>A daemon's own figure for its rows, by daemon name (null: none).</summary>
    public Func<string, Task<string?>> Note { get; init; } = _ => Task.FromResult<string?>(null);

    public IReadOnlyList<SoakSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>Samples every daemon now (besides the periodic samples) and returns the samples, by daemon name.</summary>
    public async Task<IReadOnlyDictionary<string, SoakSample>> SampleAsync()
    {
        var taken = new Dictionary<string, SoakSample>(StringComparer.Ordinal);
        foreach (var (name, pid) in _pids)
        {
            var figures = ProcessFigures.Of(pid) ?? throw new AssertionException($"{name} (pid {pid}) is gone");
            var sample = new SoakSample(_clock.Elapsed, Phase, name, _operations(), figures, await Note(name));
            lock (_samples)
            {
                _samples.Add(sample);
            }
            taken[name] = sample;
        }
        return taken;
    }

    /// <summary>The samples as a table, one row per sample, daemons side by side.</summary>
    public string Table()
    {
        var rows = Samples.GroupBy(s => (Seconds: (long)s.At.TotalSeconds, s.Phase)).ToList();
        var names = _pids.Keys.ToList();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{"t(s)",6} {"phase",-9} {"ops",7}");
        foreach (var name in names)
        {
            text.Append(CultureInfo.InvariantCulture, $" | {name + " RSS MiB",18} {"fds",5} {"thr",4}");
        }
        text.AppendLine(" | notes");
        foreach (var row in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Key.Seconds,6} {row.Key.Phase,-9} {row.Max(s => s.Operations),7}");
            foreach (var name in names)
            {
                var sample = row.LastOrDefault(s => s.Process == name);
                text.Append(sample is null
                    ? $" | {"",18} {"",5} {"",4}"
                    : string.Create(CultureInfo.InvariantCulture, $" | {sample.Figures.RssMib,18:0.0} {sample.Figures.OpenFiles,5} {sample.Figures.Threads,4}"));
            }
            text.AppendLine(" | " + string.Join("; ", names.Select(name => row.LastOrDefault(s => s.Process == name && s.Note is not null)).OfType<SoakSample>().Select(s => $"{s.Process}: {s.Note}")));
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                await SampleAsync();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }
}
