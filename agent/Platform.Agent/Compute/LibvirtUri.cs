namespace Platform.Agent.Compute;

/// <summary>The parts of a libvirt connection URI the agent needs before it talks to the daemon.</summary>
internal static class LibvirtUri
{
    // Debian 12's libvirtd listens here when the URI names no socket.
    public const string DefaultSystemSocket = "/run/libvirt/libvirt-sock";

    /// <summary>
    /// The UNIX socket a local <c>qemu:///system</c> URI connects to: its <c>socket=</c>
    /// parameter when present, libvirt's default otherwise. Null for URIs that do not go
    /// through a local socket (remote transports, the in-process test driver).
    /// </summary>
    public static string? LocalSocketPath(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            throw new FormatException($"'{uri}' is not a libvirt URI");
        }

        var isLocalDaemon = parsed.Scheme is "qemu" or "qemu+unix" && string.IsNullOrEmpty(parsed.Host);
        if (!isLocalDaemon)
        {
            return null;
        }

        foreach (var pair in parsed.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && pair[..separator] == "socket")
            {
                return Uri.UnescapeDataString(pair[(separator + 1)..]);
            }
        }
        return DefaultSystemSocket;
    }
}
