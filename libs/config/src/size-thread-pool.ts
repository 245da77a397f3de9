/**
 * Imported first by the api's entry point, before anything can start libuv's thread pool: Node
 * reads UV_THREADPOOL_SIZE once, when the pool starts, and ignores it afterwards. Password
 * hashing (scrypt) and file I/O share that pool; with Node's default of 4 threads, a flood of
 * logins stalls blob downloads. An operator's own value wins.
 */
import { DEFAULT_THREAD_POOL_SIZE } from './app-config';

process.env.UV_THREADPOOL_SIZE ||= String(DEFAULT_THREAD_POOL_SIZE);
