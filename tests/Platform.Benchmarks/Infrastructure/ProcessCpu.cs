using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Platform.Benchmarks.Infrastructure;

/// <summary>What /proc says about CPU use and TCP connections (Linux only, like the platform).</summary>
internal static class ProcessCpu
{
    // USER_HZ: the unit of /proc's tick counts; 100 on every Linux ABI the platform runs on.
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of a process (all its threads).</summary>
    public static TimeSpan Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state): utime is field 14, stime field 15.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Busy and total time of the whole machine (all CPUs), from /proc/stat.</summary>
    public static (double Busy, double Total) Machine()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest counts are inside user).
        var idle = values[3] + values[4];
        var total = values.Take(8).Sum();
        return ((total - idle) / TicksPerSecond, total / TicksPerSecond);
    }

    /// <summary>
    /// Established TCP connections whose local end is 127.0.0.1:<paramref name="port"/> (the
    /// server side), IPv4 or IPv4-mapped on an IPv6 socket (as C-core listens).
    /// </summary>
    public static int EstablishedTo(int port)
    {
        var v4 = $"{BitConverter.ToUInt32(IPAddress.Loopback.GetAddressBytes()):X8}:{port:X4}";
        // ::ffff:127.0.0.1 as /proc/net/tcp6 prints it: four host-order 32-bit words.
        var mapped = $"0000000000000000FFFF0000{v4}";
        static IEnumerable<string[]> Table(string path) => File.Exists(path)
            ? File.ReadLines(path).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            : [];
        return Table("/proc/net/tcp").Count(f => f.Length > 3 && f[1] == v4 && f[3] == "01")
            + Table("/proc/net/tcp6").Count(f => f.Length > 3 && f[1] == mapped && f[3] == "01");
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// CPU used between two points in time by the processes of the run (by name) and by the whole
/// machine; what the machine used beyond them is other work on the box.
/// </summary>
internal sealed class CpuWindow(IReadOnlyDictionary<string, Func<TimeSpan>> processes)
{
    private Dictionary<string, TimeSpan> _start = [];
    private (double Busy, double Total) _machine0;

    /// <summary>CPU time of each process in the window.</summary>
    public Dictionary<string, TimeSpan> Used { get; } = [];

    /// <summary>Length of the window times the number of CPUs, seconds.</summary>
    public double CapacitySeconds { get; private set; }

    /// <summary>Share of all CPUs busy (0..1).</summary>
    public double MachineBusy { get; private set; }

    /// <summary>Share of all CPUs used by processes other than the run's (0..1).</summary>
    public double Others => CapacitySeconds <= 0 ? 0
        : Math.Max(0, MachineBusy - (Used.Values.Sum(t => t.TotalSeconds) / CapacitySeconds));

    public void Begin()
    {
        _start = processes.ToDictionary(p => p.Key, p => p.Value());
        _machine0 = ProcessCpu.Machine();
    }

    public void End()
    {
        foreach (var (name, cpu) in processes)
        {
            Used[name] = cpu() - _start[name];
        }
        var machine = ProcessCpu.Machine();
        CapacitySeconds = machine.Total - _machine0.Total;
        MachineBusy = CapacitySeconds > 0 ? (machine.Busy - _machine0.Busy) / CapacitySeconds : 0;
    }

    /// <summary>Samples at <paramref name="from"/> and <paramref name="to"/> (Stopwatch timestamps) while a load runs.</summary>
    public async Task SampleAsync(long from, long to)
    {
        await DelayUntil(from).ConfigureAwait(false);
        Begin();
        await DelayUntil(to).ConfigureAwait(false);
        End();
    }

    private static Task DelayUntil(long timestamp)
    {
        var wait = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), timestamp);
        return wait > TimeSpan.Zero ? Task.Delay(wait) : Task.CompletedTask;
    }
}
