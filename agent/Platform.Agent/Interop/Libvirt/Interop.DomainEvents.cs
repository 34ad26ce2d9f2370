using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Platform.Agent.Compute.Libvirt;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // virDomainEventID (libvirt-domain.h)
        private const int VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;
        private const int VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED = 15;

        private static int s_eventRegistrations;

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectDomainEventRegisterAny(SafeConnectHandle conn, void* domain, int eventId, void* callback, void* opaque, delegate* unmanaged<void*, void> freeCallback);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectDomainEventDeregisterAny(nint conn, int callbackId);

        // The virDomainPtr an event callback gets is borrowed for the call: these take it raw.
        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetName")]
        private static partial byte* virDomainGetNameOfEvent(void* domain);

        [LibraryImport(Libraries.Libvirt, EntryPoint = "virDomainGetUUIDString")]
        private static partial int virDomainGetUUIDStringOfEvent(void* domain, byte* buffer);

        /// <summary>Event registrations whose GCHandle libvirt has not released yet (diagnostics, tests).</summary>
        internal static int ActiveEventRegistrations => Volatile.Read(ref s_eventRegistrations);

        /// <summary>
        /// Registers this connection's lifecycle and device-removed callbacks (all domains) with
        /// <paramref name="sink"/>. Each registration pins the sink with its own GCHandle, which
        /// libvirt's free callback releases once the registration is gone and no callback can
        /// run any more; the ids go to the handle, whose release deregisters them.
        /// </summary>
        internal static void ConnectDomainEventsRegister(SafeConnectHandle connection, IDomainEventSink sink)
        {
            Register(connection, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                (delegate* unmanaged<void*, void*, int, int, void*, int>)&OnLifecycle, sink);
            Register(connection, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                (delegate* unmanaged<void*, void*, byte*, void*, void>)&OnDeviceRemoved, sink);
        }

        private static void Register(SafeConnectHandle connection, int eventId, void* callback, IDomainEventSink sink)
        {
            var opaque = GCHandle.Alloc(sink);
            var id = virConnectDomainEventRegisterAny(connection, null, eventId, callback, (void*)GCHandle.ToIntPtr(opaque), &FreeSinkHandle);
            if (id < 0)
            {
                // libvirt never calls the free callback for a failed registration.
                var exception = GetExceptionForLastError(nameof(virConnectDomainEventRegisterAny));
                opaque.Free();
                throw exception;
            }
            Interlocked.Increment(ref s_eventRegistrations);
            connection.AddEventCallback(id);
        }

        [UnmanagedCallersOnly]
        private static void FreeSinkHandle(void* opaque)
        {
            GCHandle.FromIntPtr((nint)opaque).Free();
            Interlocked.Decrement(ref s_eventRegistrations);
        }

        // virConnectDomainEventCallback; runs on the event loop thread. Nothing may unwind into libvirt.
        [UnmanagedCallersOnly]
        private static int OnLifecycle(void* connection, void* domain, int eventType, int detail, void* opaque)
        {
            var sink = (IDomainEventSink?)GCHandle.FromIntPtr((nint)opaque).Target;
            try
            {
                var (name, uuid) = DescribeEventDomain(domain);
                sink?.Publish(new DomainLifecycleEvent(name, uuid, (DomainLifecycleEventType)eventType, detail));
            }
            catch (Exception exception)
            {
                sink?.CallbackFailed(exception);
            }
            return 0;
        }

        // virConnectDomainEventDeviceRemovedCallback
        [UnmanagedCallersOnly]
        private static void OnDeviceRemoved(void* connection, void* domain, byte* deviceAlias, void* opaque)
        {
            var sink = (IDomainEventSink?)GCHandle.FromIntPtr((nint)opaque).Target;
            try
            {
                var (name, uuid) = DescribeEventDomain(domain);
                sink?.Publish(new DomainDeviceRemovedEvent(name, uuid, BorrowString(deviceAlias) ?? ""));
            }
            catch (Exception exception)
            {
                sink?.CallbackFailed(exception);
            }
        }

        private static (string Name, Guid Uuid) DescribeEventDomain(void* domain)
        {
            var name = BorrowString(virDomainGetNameOfEvent(domain)) ?? "";
            var buffer = stackalloc byte[UuidStringBufferLength];
            var uuid = virDomainGetUUIDStringOfEvent(domain, buffer) == 0
                ? ParseUuid(new ReadOnlySpan<byte>(buffer, UuidStringBufferLength))
                : Guid.Empty;
            return (name, uuid);
        }
    }
}
