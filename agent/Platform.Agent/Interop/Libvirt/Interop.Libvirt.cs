using System.Runtime.InteropServices;
using System.Text;

// Native libvirt (libvirt.so.0, the client library of libvirt-daemon; 9.0 on Debian 12).
// Conventions of this folder, after dotnet/runtime's Interop:
// - every [LibraryImport] is private; the internal wrappers next to it check the result and
//   turn a failure into an exception on the same thread (libvirt's last error is thread-local),
//   through GetExceptionForLastError, the one place that reads libvirt errors;
// - every libvirt object the caller owns is a SafeHandle (SafeConnectHandle, SafeDomainHandle,
//   SafeSecretHandle); pointers and IntPtr never leave this folder;
// - strings libvirt allocates for the caller are copied and released with free(3) at once.
internal static partial class Interop
{
    internal static unsafe partial class Libvirt
    {
        // The C library, for free(3) on what libvirt hands over ("the caller must free()").
        private const string LibcName = "libc";

        // VIR_UUID_STRING_BUFLEN: 36 characters and the terminating NUL.
        private const int UuidStringBufferLength = 37;

        private static int s_initialized;

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virInitialize();

        [LibraryImport(LibcName, EntryPoint = "free")]
        private static partial void Free(void* pointer);

        /// <summary>
        /// Initializes the library and replaces its default error handler, which prints every
        /// error to stderr, with one that does nothing: errors reach callers as exceptions.
        /// </summary>
        internal static void EnsureInitialized()
        {
            if (Volatile.Read(ref s_initialized) == 1)
            {
                return;
            }
            if (virInitialize() < 0)
            {
                throw GetExceptionForLastError(nameof(virInitialize));
            }
            virSetErrorFunc(null, &IgnoreError);
            Volatile.Write(ref s_initialized, 1);
        }

        /// <summary>A NUL-terminated UTF-8 string libvirt still owns (or null).</summary>
        private static string? BorrowString(byte* value) =>
            value is null ? null : Marshal.PtrToStringUTF8((nint)value);

        /// <summary>A NUL-terminated UTF-8 string the caller owns: copied, then freed.</summary>
        private static string? TakeString(byte* value)
        {
            if (value is null)
            {
                return null;
            }
            try
            {
                return Marshal.PtrToStringUTF8((nint)value);
            }
            finally
            {
                Free(value);
            }
        }

        private static Guid ParseUuid(ReadOnlySpan<byte> buffer)
        {
            var length = buffer.IndexOf((byte)0);
            return Guid.Parse(Encoding.ASCII.GetString(length < 0 ? buffer : buffer[..length]));
        }
    }
}
