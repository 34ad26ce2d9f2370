using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Platform.Agent.DriverDisk;
using Platform.Agent.Transfer;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>
/// Real tools on real files: each test gets its own directory under /tmp (state, backup,
/// transfer area, scratch), engines made over it, and after the test every engine stopped, every
/// mount and daemon under the directory torn down, and the directory removed. A missing tool
/// fails the test under CI=true and skips it elsewhere, as a missing environment component does.
/// </summary>
[NonParallelizable]
public abstract partial class DriverDiskTestBase
{
    private static readonly string[] Tools = ["7zz", "qemu-img", "qemu-storage-daemon", "ntfs-3g", "mkntfs", "genisoimage", "umount"];
    /// <summary>Why the driver disk cannot be tested here (not root, no FUSE, a tool missing), or null.</summary>
    internal static readonly Lazy<string?> ToolProblem = new(FindToolProblem);

    private readonly List<DriverDiskEngine> _engines = [];

    private protected string Work { get; private set; } = null!;

    private protected string StateDirectory => Path.Combine(Work, "state");

    private protected string BackupDirectory => Path.Combine(Work, "backup");

    private protected string TransferDirectory => Path.Combine(Work, "transfer");

    /// <summary>Where tests make their archives and terminals.</summary>
    private protected string Scratch => Path.Combine(Work, "scratch");

    private protected TransferArea Transfer { get; private set; } = null!;

    [OneTimeSetUp]
    public void RequireTools()
    {
        if (ToolProblem.Value is { } problem)
        {
            if (TestEnvironment.InCi)
            {
                Assert.Fail(problem);
            }
            Assert.Ignore(problem);
        }
    }

    [SetUp]
    public void MakeDirectories()
    {
        Work = Path.Combine(Path.GetTempPath(), $"platform-dd-{Guid.NewGuid():N}");
        foreach (var directory in (string[])[StateDirectory, BackupDirectory, TransferDirectory, Scratch])
        {
            Directory.CreateDirectory(directory);
        }
        Transfer = new TransferArea(Options.Create(new TransferOptions { Directory = TransferDirectory }));
    }

    [TearDown]
    public async Task RemoveDirectoriesAsync()
    {
        var failures = new List<string>();
        foreach (var engine in _engines)
        {
            try
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
                await engine.ShutdownAsync(deadline.Token);
            }
            catch (ObjectDisposedException)
            {
                // An aborted engine: its mount is torn down below, as a restarted agent would.
            }
            await engine.DisposeAsync();
        }
        _engines.Clear();
        var mounter = new DiskMounter(new DriverDiskOptions { UnmountTimeout = TimeSpan.FromSeconds(30) }, NullLogger.Instance);
        await mounter.CleanStaleAsync(Work, CancellationToken.None);
        var left = ProcFs.ReadMounts().Where(m => m.MountPoint.StartsWith(Work + "/", StringComparison.Ordinal)).ToList();
        if (left.Count > 0)
        {
            failures.Add($"still mounted: {string.Join(", ", left.Select(m => m.MountPoint))}");
        }
        else
        {
            Directory.Delete(Work, recursive: true);
        }
        if (failures.Count > 0)
        {
            Assert.Fail(string.Join("; ", failures));
        }
    }

    /// <summary>An engine over this test's directories (a new one over the same directories is an agent restart).</summary>
    private protected DriverDiskEngine NewEngine(Action<DriverDiskOptions>? configure = null, IDriverDiskStepHook? hook = null, TimeProvider? time = null)
    {
        var options = new DriverDiskOptions
        {
            StateDirectory = StateDirectory,
            BackupDirectory = BackupDirectory,
            ReserveBytes = 64L << 20,
            SupervisionInterval = TimeSpan.FromMilliseconds(200),
            UnmountTimeout = TimeSpan.FromSeconds(60),
        };
        configure?.Invoke(options);
        var engine = new DriverDiskEngine(Options.Create(options), Transfer, time ?? TimeProvider.System, new TestLogger<DriverDiskEngine>(), hook);
        _engines.Add(engine);
        return engine;
    }

    /// <summary>A new engine, initialized (version 1) and mounted; <paramref name="sizeBytes"/> 0 is the 256 GiB default.</summary>
    private protected async Task<DriverDiskEngine> InitializedEngineAsync(Action<DriverDiskOptions>? configure = null, IDriverDiskStepHook? hook = null, TimeProvider? time = null, long sizeBytes = 0)
    {
        var engine = NewEngine(configure, hook, time);
        var state = (await engine.InitializeAsync(sizeBytes)).Unwrap();
        Assert.That(state, Has.Property(nameof(DriverDiskState.Status)).EqualTo(DriverDiskStatus.Normal).And.Property(nameof(DriverDiskState.Mounted)).True);
        return engine;
    }

    /// <summary>Puts a file into the transfer area as an upload named <paramref name="uploadName"/>.</summary>
    private protected string Upload(string file, string uploadName)
    {
        File.Copy(file, Transfer.PathOf(uploadName), overwrite: true);
        return uploadName;
    }

    private protected async Task<DriverImport> ImportAsync(DriverDiskEngine engine, string file, string uploadName, DriverFolder folder, string name)
    {
        var result = await engine.ImportAsync(Upload(file, uploadName), folder, name);
        Assert.That(result.Error, Is.Null, $"import of {uploadName} into {folder}/{name}");
        return result.Value!;
    }

    /// <summary>Fails unless <paramref name="result"/> is the error <paramref name="kind"/>; returns it.</summary>
    private protected static DriverDiskError ExpectError<T>(DriverDiskResult<T> result, DriverDiskErrorKind kind, string because)
        where T : class
    {
        Assert.That(result.Error, Is.Not.Null, $"{because}: expected {kind}, got {result}");
        Assert.That(result.Error!.Kind, Is.EqualTo(kind), $"{because}: {result.Error}");
        return result.Error;
    }

    private protected static async Task<T> TimedAsync<T>(string what, Func<Task<T>> action)
    {
        var clock = Stopwatch.StartNew();
        var result = await action();
        await TestContext.Progress.WriteLineAsync($"    {TestContext.CurrentContext.Test.Name}: {what} took {clock.Elapsed.TotalSeconds:0.00} s");
        return result;
    }

    private static string? FindToolProblem()
    {
        if (Geteuid() != 0)
        {
            return "the driver disk tests need root (FUSE mounts of qemu-storage-daemon and ntfs-3g)";
        }
        if (!File.Exists("/dev/fuse"))
        {
            return "/dev/fuse is missing (the fuse kernel module)";
        }
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/sbin");
        var missing = Tools.Where(tool => !path.Any(directory => File.Exists(Path.Combine(directory, tool)))).ToList();
        return missing.Count == 0
            ? null
            : $"missing tools: {string.Join(", ", missing)} (packaging/scripts/install-deps.sh installs them: 7zip, qemu-utils, qemu-system-common, ntfs-3g, genisoimage, fuse3)";
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint Geteuid();
}

/// <summary>Engine logs into the test's output (shown with a failure).</summary>
internal sealed class TestLogger<T> : ILogger<T>
{
    private readonly TextWriter _output = TestContext.Out;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            lock (_output)
            {
                _output.WriteLine($"{_clock.Elapsed.TotalSeconds,7:0.000} {logLevel,-11} {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // The test is over; a background line has nowhere to go.
        }
    }
}
