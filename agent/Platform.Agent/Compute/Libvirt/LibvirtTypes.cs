using System.Net;

namespace Platform.Agent.Compute.Libvirt;

/// <summary>virNodeInfo: the host as libvirt sees it.</summary>
internal sealed record NodeInfo(
    string CpuModel,
    ulong MemoryKiB,
    uint Cpus,
    uint MHz,
    uint NumaNodes,
    uint SocketsPerNode,
    uint CoresPerSocket,
    uint ThreadsPerCore)
{
    public ulong MemoryBytes => MemoryKiB * 1024;
}

/// <summary>libvirt's version (the daemon's, through a remote URI) and the hypervisor's (qemu's).</summary>
internal sealed record LibvirtVersions(Version Library, Version Hypervisor);

/// <summary>virDomainState.</summary>
internal enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    ShutOff = 5,
    Crashed = 6,
    PMSuspended = 7,
}

/// <summary>A domain's state and libvirt's reason for it (virDomain*Reason of that state, e.g. virDomainShutoffReason).</summary>
internal readonly record struct DomainStateInfo(DomainState State, int Reason);

/// <summary>virConnectListAllDomainsFlags; <see cref="All"/> (0) lists every domain.</summary>
[Flags]
internal enum DomainListFilter
{
    All = 0,
    Active = 1 << 0,
    Inactive = 1 << 1,
    Persistent = 1 << 2,
    Transient = 1 << 3,
    Running = 1 << 4,
    Paused = 1 << 5,
    ShutOff = 1 << 6,
    Other = 1 << 7,
}

/// <summary>virDomainModificationImpact: which definition a device change affects.</summary>
[Flags]
internal enum DeviceModification
{
    /// <summary>VIR_DOMAIN_AFFECT_CURRENT: the live domain if running, else its persistent config.</summary>
    Current = 0,

    /// <summary>VIR_DOMAIN_AFFECT_LIVE: the running domain.</summary>
    Live = 1 << 0,

    /// <summary>VIR_DOMAIN_AFFECT_CONFIG: the persistent definition (next boot).</summary>
    Config = 1 << 1,
}

/// <summary>virDomainUndefineFlagsValues.</summary>
[Flags]
internal enum DomainUndefineOptions
{
    None = 0,
    ManagedSave = 1 << 0,
    SnapshotsMetadata = 1 << 1,
    Nvram = 1 << 2,
    KeepNvram = 1 << 3,
    CheckpointsMetadata = 1 << 4,
    Tpm = 1 << 5,
    KeepTpm = 1 << 6,
}

/// <summary>virDomainInterfaceAddressesSource.</summary>
internal enum InterfaceAddressSource
{
    /// <summary>DHCP leases of libvirt's own networks (not plain bridges).</summary>
    Lease = 0,

    /// <summary>The qemu guest agent inside the guest.</summary>
    Agent = 1,

    /// <summary>The host's ARP/neighbour table, matched by the NICs' MACs.</summary>
    Arp = 2,
}

/// <summary>One IP address of a guest interface.</summary>
internal sealed record InterfaceAddress(IPAddress Address, int PrefixLength);

/// <summary>virDomainInterface: a guest NIC (by its host-side name) and the addresses found for it.</summary>
internal sealed record DomainInterfaceAddresses(string Name, string? MacAddress, IReadOnlyList<InterfaceAddress> Addresses);

/// <summary>virSecretUsageType.</summary>
internal enum SecretUsageType
{
    None = 0,
    Volume = 1,
    Ceph = 2,
    Iscsi = 3,
    Tls = 4,
    Vtpm = 5,
}
