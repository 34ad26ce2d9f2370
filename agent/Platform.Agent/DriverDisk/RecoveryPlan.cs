namespace Platform.Agent.DriverDisk;

/// <summary>What recovery does at start, decided from the persisted state alone.</summary>
internal enum RecoveryAction
{
    /// <summary>No state: remove any leftovers of an initialize that did not finish; the disk is uninitialized.</summary>
    StayUninitialized,

    /// <summary>No command was under way: remove unreferenced files, mount the active overlay.</summary>
    Mount,

    /// <summary>An import or a copy did not finish: mount, remove its staging folders and its target from the disk and the backup.</summary>
    RollBackImport,

    /// <summary>
    /// A file write was not recorded: put the backup's file back as it was (the replaced one from
    /// its link, or none), mount, make the disk's file what the backup's is.
    /// </summary>
    RollBackFileWrite,

    /// <summary>A removal did not finish: mount, remove the rest of its names from the disk and the backup.</summary>
    FinishRemove,

    /// <summary>A save did not reach its switch: remove what it made; the old base and overlay are untouched; mount the overlay.</summary>
    RollBackSave,

    /// <summary>A restore did not finish: run it again from the backup folder.</summary>
    RedoRestore,

    /// <summary>The disk is in error: keep the reason, mount nothing; restore is the way out.</summary>
    StayInError,
}

/// <summary>
/// The recovery decision table. The single commit point of save and restore is the atomic write
/// of state.json naming the new base; everything before it creates new files only (a new delta,
/// a copy of the base that the delta is committed into, a new overlay), so the old version is
/// intact until that write and the new one complete after it.
/// <code>
/// state.json                     | found after a crash                        | decision
/// -------------------------------+--------------------------------------------+----------------------------------------------
/// missing                        | nothing, or files of a partial initialize  | StayUninitialized (remove leftovers)
/// unreadable                     | —                                          | error "state unreadable" (restore rebuilds)
/// Error = reason                 | anything                                   | StayInError (pending command ignored;
///                                |                                            |   restore finishes backup-side leftovers)
/// Pending = Restore (any step)   | old files, maybe a new base or overlay     | RedoRestore (the backup is the source;
///                                |                                            |   doing it again converges)
/// Pending = Save (any step)      | old base + overlay N intact (N unmounted or | RollBackSave: delete delta/base copy/new
///                                |   still mounted by the dead agent), maybe  |   overlay/links, mount overlay N: the old
///                                |   delta N, base N copy (merged or half),   |   version, edits kept; saving again works
///                                |   overlay N+1, published links             |
/// Pending = Import(folder, name) | staging folders, maybe the target in the   | RollBackImport: the caller got no success;
///                                |   backup and/or the disk                   |   the name did not exist before the import
/// Pending = Copy(folder, name)   | as an import                               | RollBackImport, as an import
/// Pending = Remove(folder, names)| some names gone from the disk or backup    | FinishRemove: remove the rest
/// Pending = WriteFile(folder,    | temporary files beside the file, the       | RollBackFileWrite: the backup's old file
///   name, file)                  |   replaced file as a link in a staging     |   (or none) again; the disk's file follows
///                                |   folder, the backup's and/or disk's file  |   the backup's
///                                |   replaced                                 |
/// no Pending, no Error           | maybe old files after a switch (old base,  | Mount (delete unreferenced files first)
///                                |   old overlay, dropped deltas)             |
/// </code>
/// A mount that fails during recovery puts the disk in error with the tool's reason.
/// </summary>
internal static class RecoveryPlan
{
    public static RecoveryAction Decide(DiskState? state)
    {
        if (state is null)
        {
            return RecoveryAction.StayUninitialized;
        }
        if (state.Error is not null)
        {
            return RecoveryAction.StayInError;
        }
        return state.Pending?.Kind switch
        {
            null => RecoveryAction.Mount,
            PendingKind.Import or PendingKind.Copy => RecoveryAction.RollBackImport,
            PendingKind.WriteFile => RecoveryAction.RollBackFileWrite,
            PendingKind.Remove => RecoveryAction.FinishRemove,
            PendingKind.Save => RecoveryAction.RollBackSave,
            PendingKind.Restore => RecoveryAction.RedoRestore,
            _ => throw new ArgumentOutOfRangeException(nameof(state), state.Pending.Kind, "unknown pending command"),
        };
    }
}
