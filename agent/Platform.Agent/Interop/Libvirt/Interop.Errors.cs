using System.Runtime.InteropServices;
using Platform.Agent.Compute.Libvirt;
using Platform.Common.Observability;

internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // struct _virError (virterror.h). Only read through the pointer libvirt returns.
        [StructLayout(LayoutKind.Sequential)]
        private struct virError
        {
            public int code;
            public int domain;
            public byte* message;
            public int level;
            public void* conn;
            public void* dom;
            public byte* str1;
            public byte* str2;
            public byte* str3;
            public int int1;
            public int int2;
            public void* net;
        }

        // Thread-local; owned by libvirt, valid until the next libvirt call on this thread.
        [LibraryImport(Libraries.Libvirt)]
        private static partial virError* virGetLastError();

        [LibraryImport(Libraries.Libvirt)]
        private static partial void virResetLastError();

        [LibraryImport(Libraries.Libvirt)]
        private static partial void virSetErrorFunc(void* userData, delegate* unmanaged<void*, virError*, void> handler);

        [UnmanagedCallersOnly]
        private static void IgnoreError(void* userData, virError* error)
        {
        }

        /// <summary>
        /// The exception for the error the last libvirt call on this thread reported; the one
        /// place where native errors become managed ones, and so where they are counted. Must run on the thread that made the
        /// failing call, before any other libvirt call there.
        /// </summary>
        internal static LibvirtException GetExceptionForLastError(string function)
        {
            PlatformMetrics.CountNativeError(PlatformMetrics.NativeSources.Libvirt);
            var error = virGetLastError();
            if (error is null || error->code == 0)
            {
                return LibvirtException.Create(LibvirtErrorCode.InternalError, LibvirtErrorDomain.None,
                    $"{function} failed and libvirt reported no error", function);
            }
            var exception = LibvirtException.Create(
                (LibvirtErrorCode)error->code,
                (LibvirtErrorDomain)error->domain,
                BorrowString(error->message) ?? $"{function} failed",
                function);
            virResetLastError();
            return exception;
        }
    }
}
