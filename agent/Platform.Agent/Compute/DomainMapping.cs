using System.Globalization;
using System.Xml.Linq;
using Platform.Agent.Compute.Libvirt;
using Platform.Contracts.Agent.V1;
using LibvirtState = Platform.Agent.Compute.Libvirt.DomainState;
using ProtoDomain = Platform.Contracts.Agent.V1.Domain;
using ProtoState = Platform.Contracts.Agent.V1.DomainState;

namespace Platform.Agent.Compute;

/// <summary>libvirt's view of a domain as the contract's messages, and the contract's devices as libvirt devices.</summary>
internal static class DomainMapping
{
    public static async Task<ProtoDomain> DescribeAsync(LibvirtDomain domain, CancellationToken cancellationToken)
    {
        var state = await domain.GetStateAsync(cancellationToken);
        var xml = await domain.GetXmlDescriptionAsync(inactive: false, cancellationToken);
        var description = DomainDescription.Parse(xml);
        var root = XDocument.Parse(xml).Root!;
        var result = new ProtoDomain
        {
            Name = domain.Name,
            Uuid = domain.Uuid.ToString("D"),
            State = ToProto(state),
            StateReason = DomainStateReasons.Describe(state.State, state.Reason),
            Vcpus = uint.TryParse((string?)root.Element("vcpu"), CultureInfo.InvariantCulture, out var vcpus) ? vcpus : 0,
            MemoryMib = MemoryMiB(root.Element("memory")),
        };
        AddDevices(description, result.Disks, result.Nics);
        // A running domain's next boot may differ (an unplug the guest never completed); an off one has only its definition.
        var persistent = state.State == LibvirtState.ShutOff ? description
            : DomainDescription.Parse(await domain.GetXmlDescriptionAsync(inactive: true, cancellationToken));
        AddDevices(persistent, result.PersistentDisks, result.PersistentNics);
        return result;
    }

    private static void AddDevices(DomainDescription description, Google.Protobuf.Collections.RepeatedField<RbdDisk> disks, Google.Protobuf.Collections.RepeatedField<Nic> nics)
    {
        foreach (var disk in description.Disks.Where(d => d.SourceProtocol == "rbd" && d.SourceName is not null && d.TargetDev is not null))
        {
            disks.Add(new RbdDisk { Image = disk.SourceName!, Target = disk.TargetDev! });
        }
        foreach (var nic in description.Nics.Where(n => n.MacAddress is not null))
        {
            nics.Add(new Nic { Mac = nic.MacAddress!, Bridge = nic.Bridge ?? "" });
        }
    }

    /// <summary>The contract's state; a domain off because it crashed is crashed, not merely shut off.</summary>
    public static ProtoState ToProto(DomainStateInfo state) =>
        state.State == LibvirtState.ShutOff && state.Reason == DomainStateReasons.ShutOffCrashed ? ProtoState.Crashed : ToProto(state.State);

    public static ProtoState ToProto(LibvirtState state) => state switch
    {
        LibvirtState.Running or LibvirtState.Blocked => ProtoState.Running,
        LibvirtState.Paused or LibvirtState.PMSuspended => ProtoState.Paused,
        LibvirtState.ShuttingDown => ProtoState.ShuttingDown,
        LibvirtState.ShutOff => ProtoState.ShutOff,
        LibvirtState.Crashed => ProtoState.Crashed,
        _ => ProtoState.Unspecified,
    };

    /// <summary>The state a lifecycle event moves the domain to; null for events that are no state change (defined, undefined).</summary>
    public static ProtoState? ToProto(DomainLifecycleEventType type) => type switch
    {
        DomainLifecycleEventType.Started or DomainLifecycleEventType.Resumed => ProtoState.Running,
        DomainLifecycleEventType.Suspended or DomainLifecycleEventType.PMSuspended => ProtoState.Paused,
        DomainLifecycleEventType.Shutdown => ProtoState.ShuttingDown,
        DomainLifecycleEventType.Stopped => ProtoState.ShutOff,
        DomainLifecycleEventType.Crashed => ProtoState.Crashed,
        _ => null,
    };

    /// <summary>Device aliases are derived from what identifies the device, so a detach can name the alias a retry or another agent process attached.</summary>
    public static string DiskAlias(string target) => DeviceAlias.For("disk-" + target);

    public static string NicAlias(string mac) => DeviceAlias.For("nic-" + mac.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant());

    public static RbdDiskDevice ToDevice(RbdDisk disk, CephClientConfig ceph, Guid secretUuid)
    {
        var (pool, image) = SplitImage(disk.Image);
        return new RbdDiskDevice
        {
            Pool = pool,
            Image = image,
            TargetDev = disk.Target,
            Alias = DiskAlias(disk.Target),
            Monitors = ceph.Monitors(),
            CephUser = ceph.User,
            SecretUuid = secretUuid,
        };
    }

    public static BridgeNicDevice ToDevice(Nic nic, string defaultBridge) => new()
    {
        Bridge = nic.Bridge.Length > 0 ? nic.Bridge : defaultBridge,
        MacAddress = nic.Mac.ToLowerInvariant(),
        Alias = NicAlias(nic.Mac),
    };

    public static (string Pool, string Image) SplitImage(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        return (image[..slash], image[(slash + 1)..]);
    }

    private static ulong MemoryMiB(XElement? memory)
    {
        if (memory is null || !ulong.TryParse(memory.Value, CultureInfo.InvariantCulture, out var amount))
        {
            return 0;
        }
        var unit = (string?)memory.Attribute("unit") ?? "KiB";
        return unit switch
        {
            "b" or "bytes" => amount >> 20,
            "KiB" or "k" => amount >> 10,
            "MiB" or "M" => amount,
            "GiB" or "G" => amount << 10,
            _ => amount >> 10,
        };
    }
}
