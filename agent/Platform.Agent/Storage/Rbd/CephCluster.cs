using Microsoft.Win32.SafeHandles;

namespace Platform.Agent.Storage.Rbd;

/// <summary>
/// A connection to a Ceph cluster (a librados <c>rados_t</c>). Thread-safe; meant to be shared for
/// the life of the agent. Disposing it while pools or images made from it are still open only
/// takes effect once the last of them is disposed.
/// </summary>
internal sealed class CephCluster : IDisposable
{
    private readonly SafeRadosHandle _handle;

    private CephCluster(SafeRadosHandle handle, string entityName, string fsid)
    {
        _handle = handle;
        EntityName = entityName;
        Fsid = fsid;
    }

    /// <summary>The cluster's fsid (a UUID).</summary>
    public string Fsid { get; }

    /// <summary>The cephx entity connected as, e.g. <c>client.platform</c>.</summary>
    public string EntityName { get; }

    /// <summary>The librados and librbd versions loaded (e.g. 3.0.0 and 1.16.0 for Ceph 16.2).</summary>
    public static (Version Rados, Version Rbd) LibraryVersions() => (Interop.Rados.LibraryVersion(), Interop.Rbd.LibraryVersion());

    /// <summary>
    /// Connects, failing with <see cref="CephErrno.TimedOut"/> when no monitor answers within
    /// <see cref="CephConnectionOptions.ConnectTimeout"/>. Cancellation stops the waiting at once;
    /// the native connect then ends in the background and is shut down.
    /// </summary>
    public static Task<CephCluster> ConnectAsync(CephConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return CephWork.RunDetachedAsync(() => Connect(options), static cluster => cluster.Dispose(), cancellationToken);
    }

    /// <summary>An io context on <paramref name="pool"/>; <see cref="CephErrno.NotFound"/> when the pool does not exist.</summary>
    public Task<RbdPool> OpenPoolAsync(string pool, CancellationToken cancellationToken = default)
    {
        RbdNames.Validate(pool, "pool");
        return CephWork.RunDetachedAsync(
            () =>
            {
                CephErrors.CheckRados(Interop.Rados.OpenIoContext(_handle, pool, out var ioContext), "rados_ioctx_create", pool);
                return new RbdPool(this, pool, ioContext!);
            },
            static opened => opened.Dispose(),
            cancellationToken);
    }

    public void Dispose() => _handle.Dispose();

    private static CephCluster Connect(CephConnectionOptions options)
    {
        var entity = options.EntityName;
        CephErrors.CheckRados(Interop.Rados.Create(out var handle, options.ClusterName, entity, 0), "rados_create2", entity);
        try
        {
            if (!string.IsNullOrEmpty(options.ConfFile))
            {
                CephErrors.CheckRados(Interop.Rados.ConfReadFile(handle, options.ConfFile), "rados_conf_read_file", options.ConfFile);
            }
            foreach (var (option, value) in options.Overrides())
            {
                // The option's name only: the value may be the key.
                CephErrors.CheckRados(Interop.Rados.ConfSet(handle, option, value), "rados_conf_set", option);
            }
            CephErrors.CheckRados(Interop.Rados.Connect(handle), "rados_connect", $"{entity}@{options.MonitorHosts ?? options.ConfFile}");
            CephErrors.CheckRados(Interop.Rados.ClusterFsid(handle, out var fsid), "rados_cluster_fsid", null);
            return new CephCluster(handle, entity, fsid);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
