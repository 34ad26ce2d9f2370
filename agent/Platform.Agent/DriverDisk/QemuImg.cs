namespace Platform.Agent.DriverDisk;

/// <summary>
/// The qemu-img commands of the driver disk. Backing files are given by bare file name: qemu
/// resolves them next to the image, so the disk directory can move.
/// </summary>
internal sealed class QemuImg(string program, TimeSpan timeout)
{
    /// <summary>A qcow2 overlay of <paramref name="backingName"/> (a file in the same directory), as large as it.</summary>
    public Task CreateOverlayAsync(string overlay, string backingName, CancellationToken cancellationToken) =>
        ToolRunner.RunCheckedAsync(program, ["create", "-q", "-f", "qcow2", "-b", backingName, "-F", "qcow2", overlay], timeout, cancellationToken);

    /// <summary>A raw image (e.g. a fresh NTFS file system) as a standalone qcow2.</summary>
    public Task ConvertRawAsync(string raw, string qcow2, CancellationToken cancellationToken) =>
        ToolRunner.RunCheckedAsync(program, ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2], timeout, cancellationToken);

    /// <summary>
    /// What <paramref name="overlay"/> holds above its backing file, as a new qcow2 whose backing
    /// file is <paramref name="backingName"/> (compressed when asked: about 6× smaller for drivers).
    /// </summary>
    public Task MakeDeltaAsync(string overlay, string backingName, string delta, bool compress, CancellationToken cancellationToken)
    {
        List<string> arguments = ["convert", "-q", "-O", "qcow2", "-B", backingName, "-F", "qcow2"];
        if (compress)
        {
            // -W: out-of-order writes, so compression runs on more than one core.
            arguments.AddRange(["-c", "-W"]);
        }
        arguments.AddRange([overlay, delta]);
        return ToolRunner.RunCheckedAsync(program, arguments, timeout, cancellationToken);
    }

    /// <summary>Points <paramref name="image"/> at another backing file without touching data (rebase -u).</summary>
    public Task RebaseUnsafeAsync(string image, string backingName, CancellationToken cancellationToken) =>
        ToolRunner.RunCheckedAsync(program, ["rebase", "-u", "-b", backingName, "-F", "qcow2", image], timeout, cancellationToken);

    /// <summary>Writes <paramref name="image"/>'s data into its backing file (and empties it).</summary>
    public Task CommitAsync(string image, CancellationToken cancellationToken) =>
        ToolRunner.RunCheckedAsync(program, ["commit", "-q", image], timeout, cancellationToken);

    /// <summary>
    /// qemu-img check: null when the image is consistent (leaked clusters only waste space and
    /// count as consistent), else the reason.
    /// </summary>
    public async Task<string?> CheckAsync(string image, CancellationToken cancellationToken)
    {
        var result = await ToolRunner.RunAsync(program, ["check", "-q", image], timeout, cancellationToken).ConfigureAwait(false);
        // 0: no errors; 3: leaks only; 1: could not check; 2: corruption; 63: format without checks.
        return result.ExitCode is 0 or 3 ? null : $"qemu-img check {Path.GetFileName(image)}: {result.Reason}";
    }
}
