using System.Diagnostics;
using Platform.Agent.Compute.Libvirt;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Compute;

/// <summary>
/// A connection through the binding to the test libvirtd, a scratch directory, and undo steps
/// run after each test (last first), so every test defines and removes its own domains.
/// </summary>
public abstract class LibvirtTestBase
{
    protected const string ReadyMarker = "PLATFORM-GUEST-READY";
    protected const string PowerOffMarker = "PLATFORM-GUEST-POWEROFF";
    protected const string DisksMarker = "PLATFORM-GUEST-DISKS";

    private readonly CleanupSteps _cleanup = new();

    internal LibvirtConnection Connection { get; private set; } = null!;

    protected string LibvirtUri { get; private set; } = null!;

    protected string Bridge { get; private set; } = null!;

    protected string WorkDirectory { get; private set; } = null!;

    [SetUp]
    public async Task ConnectAsync()
    {
        var libvirt = TestEnvironment.Require("libvirt");
        LibvirtUri = libvirt["PLATFORM_LIBVIRT_URI"];
        Bridge = libvirt["PLATFORM_BRIDGE"];
        WorkDirectory = Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "tests", "compute-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        _cleanup.Push(() =>
        {
            Directory.Delete(WorkDirectory, recursive: true);
            return Task.CompletedTask;
        });
        ComputeSetUp.EnsureEventLoop();
        Connection = await LibvirtConnection.OpenAsync(LibvirtUri);
        _cleanup.Push(() =>
        {
            Connection.Dispose();
            return Task.CompletedTask;
        });
    }

    [TearDown]
    public Task CleanUpAsync() => _cleanup.RunAllAsync();

    protected void OnCleanUp(Func<Task> step) => _cleanup.Push(step);

    protected static string UniqueName(string what) => $"itest-{what}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Defines the domain; after the test it is destroyed if running and undefined.</summary>
    internal async Task<LibvirtDomain> DefineAsync(DomainDefinition definition)
    {
        var domain = await Connection.DefineDomainAsync(definition);
        OnCleanUp(async () =>
        {
            using var current = await Connection.FindDomainAsync(definition.Name);
            if (current is null)
            {
                return;
            }
            if (await current.IsActiveAsync())
            {
                await current.DestroyAsync();
            }
            await current.UndefineAsync();
        });
        OnCleanUp(() =>
        {
            domain.Dispose();
            return Task.CompletedTask;
        });
        return domain;
    }

    /// <summary>A private copy of the tiny bootable guest disk (raw, 64 MiB).</summary>
    protected string CopyGuestDisk()
    {
        var source = TestEnvironment.Require("guest")["PLATFORM_GUEST_DISK"];
        var copy = Path.Combine(WorkDirectory, "guest-" + Guid.NewGuid().ToString("N")[..8] + ".raw");
        File.Copy(source, copy);
        return copy;
    }

    /// <summary>A sparse blank raw image: a data disk, or the boot disk of a guest with no OS.</summary>
    protected string CreateBlankDisk(long bytes = 16 << 20)
    {
        var path = Path.Combine(WorkDirectory, "blank-" + Guid.NewGuid().ToString("N")[..8] + ".raw");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(bytes);
        return path;
    }

    /// <summary>The tiny real guest (TCG: the nested KVM here hangs Linux guests), its serial console to a file.</summary>
    internal DomainDefinition TinyGuest(string name, out string serialLog, params BridgeNicDevice[] nics)
    {
        serialLog = Path.Combine(WorkDirectory, name + ".serial.log");
        return new DomainDefinition
        {
            Name = name,
            Uuid = Guid.NewGuid(),
            MemoryMiB = 256,
            Type = VirtualizationType.Qemu,
            BootDisk = new FileDiskDevice { Path = CopyGuestDisk(), TargetDev = "vda", Alias = DeviceAlias.New() },
            Nics = nics,
            SerialLogPath = serialLog,
        };
    }

    /// <summary>A guest with nothing to boot: SeaBIOS finds no bootable disk and idles. It ignores ACPI requests and hot-unplug.</summary>
    internal DomainDefinition OsLessGuest(string name, params BridgeNicDevice[] nics) => new()
    {
        Name = name,
        Uuid = Guid.NewGuid(),
        MemoryMiB = 64,
        Type = VirtualizationType.Qemu,
        BootDisk = new FileDiskDevice { Path = CreateBlankDisk(), TargetDev = "vda", Alias = DeviceAlias.New() },
        Nics = nics,
    };

    internal BridgeNicDevice NewNic() => new() { Bridge = Bridge, MacAddress = MacAddresses.NewRandom(), Alias = DeviceAlias.New() };

    /// <summary>Waits until the guest's serial log has a line starting with <paramref name="marker"/> (and, if given, satisfying <paramref name="line"/>).</summary>
    protected static Task<TimeSpan> SerialSaysAsync(string serialLog, string marker, TimeSpan timeout, Func<string, bool>? line = null) =>
        Eventually.HoldsAsync(async () =>
        {
            if (!File.Exists(serialLog))
            {
                return false;
            }
            var lines = await File.ReadAllLinesAsync(serialLog);
            return lines.Any(l => l.StartsWith(marker, StringComparison.Ordinal) && (line is null || line(l)));
        }, timeout, $"serial console says {marker}");

    /// <summary>The guest's most recent list of block devices (from PLATFORM-GUEST-DISKS lines).</summary>
    protected static async Task<string[]> LastGuestDisksAsync(string serialLog)
    {
        var last = (await File.ReadAllLinesAsync(serialLog)).LastOrDefault(l => l.StartsWith(DisksMarker, StringComparison.Ordinal));
        return last is null ? [] : last[DisksMarker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    protected static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    protected static void Report(string what, TimeSpan time) =>
        TestContext.Out.WriteLine($"{what}: {time.TotalMilliseconds:0} ms");
}
