/**
 * The model-server metrics a picker reads, by server flavour (the names the Inference Extension's
 * model-server protocol lists). A config may override any of them.
 */
export type ServerFlavour = 'vllm' | 'sglang' | 'trtllm';

export interface MetricNames {
  /** Requests waiting in the server's queue (gauge). */
  readonly waiting: string;
  /** Requests running in the current batch (gauge). */
  readonly running: string;
  /** KV-cache utilisation 0..1 (gauge); the first of these present is used. */
  readonly kvCache: readonly string[];
  /** vLLM's LoRA info series (labels running_lora_adapters, waiting_lora_adapters, max_lora). */
  readonly lora: string | undefined;
}

export const FLAVOUR_METRICS: Readonly<Record<ServerFlavour, MetricNames>> = Object.freeze({
  // Newer vLLM renamed gpu_cache_usage_perc to kv_cache_usage_perc: both are read.
  vllm: {
    waiting: 'vllm:num_requests_waiting',
    running: 'vllm:num_requests_running',
    kvCache: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
    lora: 'vllm:lora_requests_info',
  },
  sglang: {
    waiting: 'sglang:num_queue_reqs',
    running: 'sglang:num_running_reqs',
    kvCache: ['sglang:token_usage'],
    lora: undefined,
  },
  trtllm: {
    waiting: 'trtllm_num_requests_waiting',
    running: 'trtllm_num_requests_running',
    kvCache: ['trtllm_kv_cache_utilization'],
    lora: undefined,
  },
});
