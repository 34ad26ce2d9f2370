using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>
/// Shares of all CPUs over a side's run (0..1): the machine busy, the run's own processes (this
/// one, the main process, the processes the sampler found), and the rest (other work on the box).
/// </summary>
internal sealed record CpuShares(double MachineBusy, double Run)
{
    public double Others => Math.Max(0, MachineBusy - Run);
}

/// <summary>The peak memory of one program (all its processes) over a run.</summary>
internal sealed class ProgramPeak(string name)
{
    public string Name { get; } = name;

    /// <summary>Largest VmHWM read (the kernel's own peak RSS of a process), KiB.</summary>
    public long HwmKib { get; set; }

    /// <summary>Largest VmRSS among the samples, KiB.</summary>
    public long MaxRssKib { get; set; }

    public SortedSet<int> Pids { get; } = [];
}

/// <summary>
/// Samples RSS while a side runs: one main process by PID every 50 ms (VmRSS, VmHWM), and every
/// 100 ms all processes whose arguments mention the side's directory (the agent's storage
/// daemon, ntfs-3g, 7zz, qemu-img, mkntfs; the seed's guestmount, appliance, virt-make-fs).
/// Daemons are found this way because they detach from whoever started them. CPU time is kept
/// per process as last sampled (a process's last 100 ms before it exits are missed).
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    private readonly string _marker;
    private readonly int? _mainPid;
    private readonly string _mainName;
    private readonly Dictionary<string, ProgramPeak> _peaks = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (TimeSpan Baseline, TimeSpan Last)> _cpu = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly (double Busy, double Total) _machineStart = ProcessCpu.Machine();
    private readonly TimeSpan _selfStart = ProcessCpu.Of(Environment.ProcessId);
    private readonly Task _loop;
    private bool _firstScanDone;
    private CpuShares? _shares;

    public MemorySampler(string marker, int? mainPid, string mainName)
    {
        _marker = marker;
        _mainPid = mainPid;
        _mainName = mainName;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>CPU shares from the sampler's start to <see cref="StopAsync"/>.</summary>
    public CpuShares Cpu => _shares ?? throw new InvalidOperationException("the sampler is still running");

    /// <summary>Samples once more and stops; the peaks, the main program first.</summary>
    public async Task<List<ProgramPeak>> StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _loop;
            Sample(scan: true);
            var machine = ProcessCpu.Machine();
            var capacity = machine.Total - _machineStart.Total;
            double run;
            lock (_peaks)
            {
                run = (ProcessCpu.Of(Environment.ProcessId) - _selfStart).TotalSeconds + _cpu.Values.Sum(c => (c.Last - c.Baseline).TotalSeconds);
            }
            _shares = capacity <= 0 ? new CpuShares(0, 0) : new CpuShares((machine.Busy - _machineStart.Busy) / capacity, run / capacity);
        }
        lock (_peaks)
        {
            return [.. _peaks.Values.OrderBy(p => p.Name == _mainName ? 0 : 1).ThenByDescending(p => p.HwmKib)];
        }
    }

    /// <summary>The processes mentioning the directory right now, by program name.</summary>
    public List<(int Pid, string Name)> Current() =>
        [.. ProcInfo.Mentioning(_marker).Where(p => ProcInfo.IsRunning(p.Pid)).Select(p => (p.Pid, ProcInfo.ProgramName(p.Arguments)))];

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        var tick = 0;
        try
        {
            do
            {
                Sample(scan: tick++ % 2 == 0);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Sample(bool scan)
    {
        if (_mainPid is { } main)
        {
            Record(_mainName, main);
        }
        if (!scan)
        {
            return;
        }
        foreach (var (pid, arguments) in ProcInfo.Mentioning(_marker))
        {
            if (pid != _mainPid)
            {
                Record(ProcInfo.ProgramName(arguments), pid);
            }
        }
        _firstScanDone = true;
    }

    private void Record(string name, int pid)
    {
        if (ProcInfo.Memory(pid) is not { } memory)
        {
            return;
        }
        var cpu = ProcessCpu.Of(pid);
        lock (_peaks)
        {
            // A process there before the first scan counts from then; one started later, from its start.
            _cpu[pid] = _cpu.TryGetValue(pid, out var seen)
                ? (seen.Baseline, cpu > seen.Last ? cpu : seen.Last)
                : (_firstScanDone ? TimeSpan.Zero : cpu, cpu);
            if (!_peaks.TryGetValue(name, out var peak))
            {
                _peaks[name] = peak = new ProgramPeak(name);
            }
            peak.HwmKib = Math.Max(peak.HwmKib, memory.HwmKib);
            peak.MaxRssKib = Math.Max(peak.MaxRssKib, memory.RssKib);
            peak.Pids.Add(pid);
        }
    }
}
