using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Agent.Compute.Libvirt;

namespace Platform.Agent.Compute;

/// <summary>
/// What a probe's answer depends on: the host kernel (its KVM module), qemu, libvirt, and the
/// kernel image the probe guest booted. Any of them changing makes the cached answer stale.
/// </summary>
/// <param name="ProbeKernel">The probe kernel's path, size and modification time.</param>
internal sealed record KvmProbeKey(string KernelRelease, string QemuVersion, string LibvirtVersion, string ProbeKernel)
{
    public static KvmProbeKey For(string kernelRelease, LibvirtVersions versions, FileInfo probeKernel) => new(
        kernelRelease,
        versions.Hypervisor.ToString(),
        versions.Library.ToString(),
        $"{probeKernel.FullName} {probeKernel.Length} {probeKernel.LastWriteTimeUtc:O}");
}

/// <summary>The file's content: one probe's answer and what it was measured on.</summary>
internal sealed record KvmProbeCacheEntry(int Format, KvmProbeKey Key, string DomainType, string Reason, DateTimeOffset ProbedAt, double ProbeSeconds)
{
    public const int CurrentFormat = 1;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(KvmProbeCacheEntry))]
internal sealed partial class KvmProbeCacheJson : JsonSerializerContext;

/// <summary>The answer of a cache lookup: the cached choice, or why there was none.</summary>
internal sealed record KvmProbeCacheLookup(DomainTypeChoice? Choice, string? Miss);

/// <summary>
/// The probe's answer kept in a small JSON file (Compute:ProbeCacheFile) so that agents started
/// again on an unchanged host — the test suite starts dozens — decide in microseconds instead
/// of booting a guest. A missing, unreadable, corrupt or stale file is a miss (the agent probes
/// and writes it again); writing goes through a temporary file of its own and a rename, so
/// agents starting together never leave a torn file: the last rename wins, and each of them
/// wrote a complete answer.
/// </summary>
internal static class KvmProbeCache
{
    public static KvmProbeCacheLookup Read(string path, KvmProbeKey key)
    {
        KvmProbeCacheEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize(File.ReadAllBytes(path), KvmProbeCacheJson.Default.KvmProbeCacheEntry);
        }
        catch (FileNotFoundException)
        {
            return new KvmProbeCacheLookup(null, "no cached probe");
        }
        catch (DirectoryNotFoundException)
        {
            return new KvmProbeCacheLookup(null, "no cached probe");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return new KvmProbeCacheLookup(null, $"the cached probe is not readable ({e.Message})");
        }
        if (entry is null || entry.Format != KvmProbeCacheEntry.CurrentFormat || entry.Key is null || string.IsNullOrEmpty(entry.Reason))
        {
            return new KvmProbeCacheLookup(null, $"the cached probe is not of format {KvmProbeCacheEntry.CurrentFormat}");
        }
        if (entry.Key != key)
        {
            return new KvmProbeCacheLookup(null, $"the cached probe was made on {Describe(entry.Key)}, this is {Describe(key)}");
        }
        VirtualizationType type;
        switch (entry.DomainType)
        {
            case "kvm":
                type = VirtualizationType.Kvm;
                break;
            case "qemu":
                type = VirtualizationType.Qemu;
                break;
            default:
                return new KvmProbeCacheLookup(null, $"the cached probe names domain type '{entry.DomainType}'");
        }
        return new KvmProbeCacheLookup(new DomainTypeChoice(type, entry.Reason, DomainTypeSource.Cached), null);
    }

    /// <summary>Replaces the file; returns why it could not be written, or null.</summary>
    public static string? Write(string path, KvmProbeKey key, DomainTypeChoice choice, DateTimeOffset probedAt, TimeSpan probeTook)
    {
        var entry = new KvmProbeCacheEntry(KvmProbeCacheEntry.CurrentFormat, key, choice.Name, choice.Reason, probedAt, Math.Round(probeTook.TotalSeconds, 2));
        // Unique per writer: two agents writing at once must not write into one temporary file.
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(JsonSerializer.SerializeToUtf8Bytes(entry, KvmProbeCacheJson.Default.KvmProbeCacheEntry));
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do: the cache is an optimisation.
            }
            return e.Message;
        }
    }

    private static string Describe(KvmProbeKey key) =>
        $"kernel {key.KernelRelease}, qemu {key.QemuVersion}, libvirt {key.LibvirtVersion}, probe kernel {key.ProbeKernel}";
}
