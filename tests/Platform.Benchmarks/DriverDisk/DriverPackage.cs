using System.Security.Cryptography;
using Platform.Benchmarks.Infrastructure;

namespace Platform.Benchmarks.DriverDisk;

/// <summary>
/// The driver package both sides import: an ISO (genisoimage, Joliet + Rock Ridge) of
/// incompressible random files, 0.5 to 4 MiB each, 16 to a folder. Made once per run, untimed.
/// </summary>
internal sealed record DriverPackage(string Iso, long Bytes, string Md5, int Files, long ContentBytes)
{
    private static readonly int[] FileKibibytes = [512, 1024, 2048, 4096, 1536, 3072];

    public static async Task<DriverPackage> CreateAsync(string directory, int mebibytes)
    {
        var tree = Directory.CreateDirectory(Path.Combine(directory, "tree")).FullName;
        var random = new Random(20261206);
        var remaining = (long)mebibytes << 20;
        var files = 0;
        var buffer = new byte[4 << 20];
        while (remaining > 0)
        {
            var size = (int)Math.Min(remaining, FileKibibytes[files % FileKibibytes.Length] * 1024L);
            var folder = Directory.CreateDirectory(Path.Combine(tree, $"driver{files / 16:D2}")).FullName;
            random.NextBytes(buffer.AsSpan(0, size));
            await File.WriteAllBytesAsync(Path.Combine(folder, $"file{files:D3}.bin"), buffer.AsMemory(0, size));
            remaining -= size;
            files++;
        }
        var iso = Path.Combine(directory, "bench-driver.iso");
        using (var genisoimage = ChildProcess.Start("genisoimage", "genisoimage", ["-quiet", "-J", "-R", "-V", "BENCHDRV", "-o", iso, tree]))
        {
            await genisoimage.WaitForExitAsync();
            if (genisoimage.ExitCode != 0)
            {
                throw new InvalidOperationException($"genisoimage failed (exit {genisoimage.ExitCode}):\n{genisoimage.Output}");
            }
        }
        Directory.Delete(tree, recursive: true);
        // The md5 the upload's header announces (the agent checks it), as FileService computes it.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        await using (var stream = File.OpenRead(iso))
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                md5.AppendData(buffer, 0, read);
            }
        }
        return new DriverPackage(iso, new FileInfo(iso).Length, Convert.ToHexStringLower(md5.GetHashAndReset()), files, (long)mebibytes << 20);
    }
}
