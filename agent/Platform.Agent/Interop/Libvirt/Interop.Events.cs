using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventRegisterDefaultImpl();

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventRunDefaultImpl();

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventAddTimeout(int frequency, delegate* unmanaged<int, void*, void> callback, void* opaque, delegate* unmanaged<void*, void> freeCallback);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventRemoveTimeout(int timer);

        /// <summary>
        /// virEventRegisterDefaultImpl: installs libvirt's poll-based event loop. Process-wide and
        /// irreversible; connections opened before it never deliver events.
        /// </summary>
        internal static void EventRegisterDefaultImpl()
        {
            EnsureInitialized();
            if (virEventRegisterDefaultImpl() < 0)
            {
                throw GetExceptionForLastError(nameof(virEventRegisterDefaultImpl));
            }
        }

        /// <summary>virEventRunDefaultImpl: one iteration (blocks in poll until something is due).</summary>
        internal static void EventRunDefaultImpl()
        {
            if (virEventRunDefaultImpl() < 0)
            {
                throw GetExceptionForLastError(nameof(virEventRunDefaultImpl));
            }
        }

        /// <summary>
        /// Makes a thread blocked in <see cref="EventRunDefaultImpl"/> return: adding a timer
        /// interrupts its poll, and the timer (due at once) removes itself when it fires.
        /// </summary>
        internal static void EventLoopWake()
        {
            if (virEventAddTimeout(0, &RemoveTimerOnFire, null, null) < 0)
            {
                throw GetExceptionForLastError(nameof(virEventAddTimeout));
            }
        }

        [UnmanagedCallersOnly]
        private static void RemoveTimerOnFire(int timer, void* opaque) => _ = virEventRemoveTimeout(timer);
    }
}
