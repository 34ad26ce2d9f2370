using System.IO.Compression;
using System.Text;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.DriverDisk;

/// <summary>Driver archives made for a test: good ones (an ISO by genisoimage, zips) and hostile or broken ones.</summary>
internal sealed class DriverArchives(string directory)
{
    private int _counter;

    /// <summary>An ISO 9660 image (Joliet + Rock Ridge) of <paramref name="files"/> (relative path → content).</summary>
    public async Task<string> IsoAsync(IReadOnlyDictionary<string, byte[]> files, string fileName = "universal.iso")
    {
        var source = Path.Combine(directory, $"iso-src-{++_counter}");
        foreach (var (path, content) in files)
        {
            var target = Path.Combine(source, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, content);
        }
        var iso = Path.Combine(directory, fileName);
        (await ChildProcess.RunAsync("genisoimage", ["-quiet", "-J", "-R", "-V", "DRIVERS", "-o", iso, source], TimeSpan.FromMinutes(5))).EnsureSuccess();
        return iso;
    }

    /// <summary>A zip of <paramref name="files"/>; names are written as given (so '../x' stays '../x').</summary>
    public string Zip(IReadOnlyDictionary<string, byte[]> files, string fileName, CompressionLevel level = CompressionLevel.Fastest)
    {
        var path = Path.Combine(directory, fileName);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in files)
        {
            var entry = archive.CreateEntry(name, level);
            using var stream = entry.Open();
            stream.Write(content);
        }
        return path;
    }

    /// <summary>A zip whose entry <paramref name="linkName"/> is a Unix symbolic link to <paramref name="target"/>, beside a plain file.</summary>
    public string ZipWithSymlink(string linkName, string target, string fileName)
    {
        var path = Path.Combine(directory, fileName);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        var plain = archive.CreateEntry("driver.inf", CompressionLevel.NoCompression);
        using (var stream = plain.Open())
        {
            stream.Write(Encoding.ASCII.GetBytes("[Version]\n"));
        }
        var link = archive.CreateEntry(linkName, CompressionLevel.NoCompression);
        // S_IFLNK | 0777 in the high half, as Info-ZIP writes links on Unix.
        link.ExternalAttributes = unchecked((int)((0xA000u | 0x1FFu) << 16));
        using (var stream = link.Open())
        {
            stream.Write(Encoding.UTF8.GetBytes(target));
        }
        return path;
    }

    /// <summary>A stored (uncompressed) zip with one byte of its file data flipped: it lists, but fails its CRC test.</summary>
    public string CorruptZip(string fileName)
    {
        var content = Bytes(64 * 1024, seed: 7);
        var path = Zip(new Dictionary<string, byte[]> { ["drv/big.sys"] = content }, fileName, CompressionLevel.NoCompression);
        var bytes = File.ReadAllBytes(path);
        bytes[30 + "drv/big.sys".Length + 20_000] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The first part of a zip: its central directory is gone.</summary>
    public string TruncatedZip(string fileName)
    {
        var path = Zip(new Dictionary<string, byte[]> { ["drv/big.sys"] = Bytes(64 * 1024, seed: 8) }, fileName, CompressionLevel.NoCompression);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        return path;
    }

    public string RandomBytes(string fileName, int length = 64 * 1024)
    {
        var path = Path.Combine(directory, fileName);
        File.WriteAllBytes(path, Bytes(length, seed: 9));
        return path;
    }

    /// <summary>A program (an ELF executable) under another name.</summary>
    public string Program(string fileName)
    {
        var path = Path.Combine(directory, fileName);
        File.Copy("/usr/bin/true", path, overwrite: true);
        return path;
    }

    /// <summary>Deterministic pseudo-random bytes (incompressible).</summary>
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);
}
