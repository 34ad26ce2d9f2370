namespace Platform.Agent.Compute.Libvirt;

/// <summary>
/// A libvirt call failed. Carries libvirt's own error: <see cref="Code"/> (virErrorNumber),
/// <see cref="ErrorDomain"/> (the part of libvirt that raised it) and its message. The codes
/// callers branch on have their own subtypes; <see cref="Create"/> picks them, and it is the
/// only place that does.
/// </summary>
internal class LibvirtException : Exception
{
    protected LibvirtException(LibvirtErrorCode code, LibvirtErrorDomain errorDomain, string message, string function)
        : base(message)
    {
        Code = code;
        ErrorDomain = errorDomain;
        Function = function;
    }

    /// <summary>libvirt's error number (VIR_ERR_*).</summary>
    public LibvirtErrorCode Code { get; }

    /// <summary>The part of libvirt that raised the error (VIR_FROM_*).</summary>
    public LibvirtErrorDomain ErrorDomain { get; }

    /// <summary>The libvirt API function that failed, e.g. <c>virDomainLookupByName</c>.</summary>
    public string Function { get; }

    /// <summary>The exception for an error libvirt reported; the subtype follows <paramref name="code"/>.</summary>
    public static LibvirtException Create(LibvirtErrorCode code, LibvirtErrorDomain errorDomain, string message, string function) => code switch
    {
        LibvirtErrorCode.NoDomain => new LibvirtDomainNotFoundException(errorDomain, message, function),
        LibvirtErrorCode.NoSecret => new LibvirtSecretNotFoundException(errorDomain, message, function),
        LibvirtErrorCode.NoNetwork => new LibvirtNetworkNotFoundException(errorDomain, message, function),
        LibvirtErrorCode.DeviceMissing => new LibvirtDeviceMissingException(errorDomain, message, function),
        LibvirtErrorCode.OperationInvalid => new LibvirtOperationInvalidException(errorDomain, message, function),
        LibvirtErrorCode.NoSupport or LibvirtErrorCode.OperationUnsupported or LibvirtErrorCode.ArgumentUnsupported
            => new LibvirtNotSupportedException(code, errorDomain, message, function),
        LibvirtErrorCode.OperationTimeout => new LibvirtOperationTimeoutException(errorDomain, message, function),
        _ => new LibvirtException(code, errorDomain, message, function),
    };

    public override string ToString() => $"{base.ToString()} [{Function}: VIR_ERR {Code} ({(int)Code}), VIR_FROM {ErrorDomain} ({(int)ErrorDomain})]";
}

/// <summary>VIR_ERR_NO_DOMAIN: no domain with that name or UUID (any more).</summary>
internal sealed class LibvirtDomainNotFoundException : LibvirtException
{
    internal LibvirtDomainNotFoundException(LibvirtErrorDomain errorDomain, string message, string function)
        : base(LibvirtErrorCode.NoDomain, errorDomain, message, function)
    {
    }
}

/// <summary>VIR_ERR_NO_SECRET: no secret with that UUID or usage.</summary>
internal sealed class LibvirtSecretNotFoundException : LibvirtException
{
    internal LibvirtSecretNotFoundException(LibvirtErrorDomain errorDomain, string message, string function)
        : base(LibvirtErrorCode.NoSecret, errorDomain, message, function)
    {
    }
}

/// <summary>VIR_ERR_NO_NETWORK: no network with that name.</summary>
internal sealed class LibvirtNetworkNotFoundException : LibvirtException
{
    internal LibvirtNetworkNotFoundException(LibvirtErrorDomain errorDomain, string message, string function)
        : base(LibvirtErrorCode.NoNetwork, errorDomain, message, function)
    {
    }
}

/// <summary>VIR_ERR_DEVICE_MISSING: the device to detach or update is not in the domain.</summary>
internal sealed class LibvirtDeviceMissingException : LibvirtException
{
    internal LibvirtDeviceMissingException(LibvirtErrorDomain errorDomain, string message, string function)
        : base(LibvirtErrorCode.DeviceMissing, errorDomain, message, function)
    {
    }
}

/// <summary>
/// VIR_ERR_OPERATION_INVALID: not valid in the domain's current state, e.g. starting a running
/// domain, destroying or shutting down one that is not running, a live change to an inactive one.
/// </summary>
internal sealed class LibvirtOperationInvalidException : LibvirtException
{
    internal LibvirtOperationInvalidException(LibvirtErrorDomain errorDomain, string message, string function)
        : base(LibvirtErrorCode.OperationInvalid, errorDomain, message, function)
    {
    }
}

/// <summary>
/// VIR_ERR_NO_SUPPORT, VIR_ERR_OPERATION_UNSUPPORTED or VIR_ERR_ARGUMENT_UNSUPPORTED: the driver
/// (e.g. <c>test:///default</c> for device hot-plug) or this hypervisor cannot do it.
/// </summary>
internal sealed class LibvirtNotSupportedException : LibvirtException
{
    internal LibvirtNotSupportedException(LibvirtErrorCode code, LibvirtErrorDomain errorDomain, string message, string function)
        : base(code, errorDomain, message, function)
    {
    }
}

/// <summary>VIR_ERR_OPERATION_TIMEOUT: libvirt gave up waiting, e.g. for a job lock on the domain.</summary>
internal sealed class LibvirtOperationTimeoutException : LibvirtException
{
    internal LibvirtOperationTimeoutException(LibvirtErrorDomain errorDomain, string message, string function)
        : base(LibvirtErrorCode.OperationTimeout, errorDomain, message, function)
    {
    }
}
