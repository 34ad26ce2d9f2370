namespace Platform.Contracts.Limits;

/// <summary>
/// Limits of DriverDiskService's edits, once for both sides of the contract: the agent refuses
/// more (INVALID_ARGUMENT), and the controller checks the same before it sends anything.
/// </summary>
public static class DriverDiskLimits
{
    /// <summary>
    /// 64 KiB, the most WriteDriverFile writes: the call carries config files (a printer's public
    /// config), which are a few KiB; the content travels in one message and is held in memory
    /// and in the operation journal, so driver binaries go through an upload and an import.
    /// </summary>
    public const int MaxDriverFileBytes = 64 * 1024;
}
