using System.Security.Cryptography;
using Platform.Agent.DriverDisk;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>
/// A terminal's tool disk, as a terminal keeps it in sync: it downloads the base (checked
/// against the manifest's md5 and sha256), then applies deltas — each checked against its own
/// md5 and sha256, and refused unless its parent md5 is the identity of the base the terminal
/// holds — with `qemu-img rebase -u` onto the local base and `qemu-img commit`.
/// </summary>
/// <remarks>
/// qemu-img commit does not lay out clusters deterministically (two commits of one delta into two
/// identical bases give different files), so a terminal cannot recompute the server's md5 after
/// merging. Its base's identity is the md5 it verified when downloading, and after each applied
/// delta the delta's merged md5 (the server's base of that version): the next delta's parent md5
/// must match it. Content equality with the server is what `qemu-img compare` checks.
/// </remarks>
internal sealed class TerminalDisk
{
    private readonly string _directory;
    private readonly string _transferRoot;

    public TerminalDisk(string directory, string transferRoot)
    {
        _directory = directory;
        _transferRoot = transferRoot;
        Directory.CreateDirectory(directory);
    }

    public string BasePath => Path.Combine(_directory, "base.qcow2");

    public long Version { get; private set; }

    /// <summary>The md5 naming the base this terminal holds (see the remarks).</summary>
    public string Identity { get; private set; } = "";

    public async Task DownloadBaseAsync(DriverDiskManifest manifest)
    {
        File.Copy(Path.Combine(_transferRoot, manifest.Base.Name), BasePath, overwrite: true);
        var (md5, sha256) = Hash(BasePath);
        Assert.That((md5, sha256), Is.EqualTo((manifest.Base.Md5, manifest.Base.Sha256)), "the downloaded base matches its manifest entry");
        Version = manifest.Version;
        Identity = md5;
        await Task.CompletedTask;
    }

    /// <summary>Applies <paramref name="delta"/>; returns why it was refused, or null when applied.</summary>
    public async Task<string?> ApplyAsync(DriverDiskFile delta)
    {
        if (delta.ParentMd5 != Identity)
        {
            return $"the delta {delta.FromVersion}→{delta.ToVersion} applies to the base with md5 {delta.ParentMd5}; this terminal's base is {Identity} (version {Version})";
        }
        var local = Path.Combine(_directory, "delta.qcow2");
        File.Copy(Path.Combine(_transferRoot, delta.Name), local, overwrite: true);
        var (md5, sha256) = Hash(local);
        if (md5 != delta.Md5 || sha256 != delta.Sha256)
        {
            File.Delete(local);
            return $"the downloaded delta has md5 {md5} / sha256 {sha256}, the manifest says {delta.Md5} / {delta.Sha256}";
        }
        (await ChildProcess.RunAsync("qemu-img", ["rebase", "-u", "-b", "base.qcow2", "-F", "qcow2", local], TimeSpan.FromMinutes(5))).EnsureSuccess();
        (await ChildProcess.RunAsync("qemu-img", ["commit", "-q", local], TimeSpan.FromMinutes(10))).EnsureSuccess();
        File.Delete(local);
        Version = delta.ToVersion;
        Identity = delta.MergedMd5;
        return null;
    }

    /// <summary>Applies every delta of the manifest that follows this terminal's version, in order.</summary>
    public async Task CatchUpAsync(DriverDiskManifest manifest)
    {
        foreach (var delta in manifest.Deltas.Where(d => d.FromVersion >= Version))
        {
            Assert.That(await ApplyAsync(delta), Is.Null, $"delta {delta.FromVersion}→{delta.ToVersion} applies");
        }
        Assert.That(Version, Is.EqualTo(manifest.Version), "the terminal reached the manifest's version");
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "The contract's checksum.")]
    private static (string Md5, string Sha256) Hash(string path)
    {
        using var file = File.OpenRead(path);
        var md5 = Convert.ToHexStringLower(MD5.HashData(file));
        file.Position = 0;
        return (md5, Convert.ToHexStringLower(SHA256.HashData(file)));
    }
}
