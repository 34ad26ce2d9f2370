namespace Platform.Agent.DriverDisk;

/// <summary>
/// What a name must be to live on the driver disk and be usable from Windows: what ntfs-3g's
/// windows_names refuses (it fails the write half-way otherwise), plus what Windows tools choke on.
/// </summary>
internal static class NtfsNames
{
    /// <summary>NTFS stores at most 255 UTF-16 code units per name.</summary>
    public const int MaxComponentLength = 255;

    /// <summary>Target names (the sub-folder a driver lands in) stay short: they are part of every path below them.</summary>
    public const int MaxTargetNameLength = 120;

    private static readonly HashSet<string> DeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
    };

    private const string ForbiddenCharacters = "<>:\"/\\|?*";

    /// <summary>Why <paramref name="name"/> cannot be one segment of a path on the disk, or null when it can.</summary>
    public static string? ComponentProblem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }
        if (name is "." or "..")
        {
            return $"is '{name}'";
        }
        if (name.Length > MaxComponentLength)
        {
            return $"is longer than {MaxComponentLength} characters";
        }
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"holds the control character U+{(int)c:X4}";
            }
            if (ForbiddenCharacters.Contains(c, StringComparison.Ordinal))
            {
                return $"holds '{c}', which Windows does not allow in names";
            }
            if (c == '\uFFFD')
            {
                return "is not valid UTF-8";
            }
        }
        if (HasUnpairedSurrogate(name))
        {
            return "is not valid UTF-16";
        }
        if (name.EndsWith('.') || name.EndsWith(' '))
        {
            return "ends with a dot or a space, which Windows drops";
        }
        if (IsDeviceName(name))
        {
            return "is a Windows device name (CON, PRN, AUX, NUL, COM1…, LPT1…), with or without an extension";
        }
        return null;
    }

    /// <summary>Why <paramref name="name"/> cannot name a driver's folder, or null when it can.</summary>
    public static string? TargetNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is required";
        }
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return "must be a plain name, without '/' or '\\'";
        }
        if (name.Contains("..", StringComparison.Ordinal))
        {
            return "must not contain '..'";
        }
        if (name.StartsWith('.') || name.StartsWith(' '))
        {
            return "must not start with a dot or a space";
        }
        if (name.Length > MaxTargetNameLength)
        {
            return $"is longer than {MaxTargetNameLength} characters";
        }
        return ComponentProblem(name);
    }

    /// <summary>Why <paramref name="name"/> cannot name a file written directly into a driver's folder, or null when it can.</summary>
    public static string? FileNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is required";
        }
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return "must be a plain file name, without '/' or '\\'";
        }
        if (name.StartsWith('.') || name.StartsWith(' '))
        {
            // Names starting with a dot are the engine's temporary files beside the one written.
            return "must not start with a dot or a space";
        }
        return ComponentProblem(name);
    }

    /// <summary>Windows resolves these to devices whatever follows the first dot ("NUL.txt", "con .inf").</summary>
    public static bool IsDeviceName(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var stem = (dot < 0 ? name : name[..dot]).TrimEnd(' ');
        return DeviceNames.Contains(stem);
    }

    private static bool HasUnpairedSurrogate(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsHighSurrogate(name[i]))
            {
                if (i + 1 >= name.Length || !char.IsLowSurrogate(name[i + 1]))
                {
                    return true;
                }
                i++;
            }
            else if (char.IsLowSurrogate(name[i]))
            {
                return true;
            }
        }
        return false;
    }
}
