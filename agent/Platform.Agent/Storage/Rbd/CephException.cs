namespace Platform.Agent.Storage.Rbd;

/// <summary>A librados or librbd call failed; <see cref="Error"/> says why, so callers can branch on it.</summary>
internal abstract class CephException : Exception
{
    private protected CephException(CephErrno error, string operation, string? objectName, string message)
        : base(message)
    {
        Error = error;
        Operation = operation;
        ObjectName = objectName;
    }

    public CephErrno Error { get; }

    /// <summary>The positive errno.</summary>
    public int Errno => (int)Error;

    /// <summary>The native function (or facade step) that failed, e.g. <c>rbd_remove</c>.</summary>
    public string Operation { get; }

    /// <summary>What it was applied to, e.g. <c>volumes/vol-1</c> or <c>images/ami-1@base</c>.</summary>
    public string? ObjectName { get; }
}

/// <summary>A librados call (connect, configuration, pool io context) failed.</summary>
internal sealed class RadosException : CephException
{
    internal RadosException(CephErrno error, string operation, string? objectName, string message)
        : base(error, operation, objectName, message)
    {
    }
}

/// <summary>A librbd call failed, or the facade refused an operation librbd would fail or regret.</summary>
internal class RbdException : CephException
{
    internal RbdException(CephErrno error, string operation, string? objectName, string message)
        : base(error, operation, objectName, message)
    {
    }
}

/// <summary>
/// An image cannot go away because something depends on it: clients have it open (watchers) or
/// clones were made from its snapshots. <see cref="CephException.Error"/> is <see cref="CephErrno.Busy"/>.
/// </summary>
internal sealed class RbdImageInUseException : RbdException
{
    internal RbdImageInUseException(string operation, string objectName, IReadOnlyList<RbdWatcher> watchers, IReadOnlyList<RbdImageReference> clones, string message)
        : base(CephErrno.Busy, operation, objectName, message)
    {
        Watchers = watchers;
        Clones = clones;
    }

    public IReadOnlyList<RbdWatcher> Watchers { get; }

    public IReadOnlyList<RbdImageReference> Clones { get; }
}
